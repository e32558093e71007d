#include "server/request_handler.h"

#include <gtest/gtest.h>

#include "server/generation.h"
#include "tests/server/server_fixture.h"

namespace limitsd::server {
namespace {

using protocol::Verb;
using protocol::Wire;

// A reply with its reset_ms (which moves with the clock) written as R, and a non-zero
// retry_ms (the same) as T.
std::string Masked(const std::string& reply) {
  if (reply.rfind("*5\r\n", 0) == 0) {  // RESP: the fourth integer
    std::size_t at = 0;
    for (int i = 0; i < 4; ++i) at = reply.find(":", at + 1);
    return reply.substr(0, at + 1) + "R" + reply.substr(reply.find("\r\n", at));
  }
  std::size_t at = 0;
  for (int i = 0; i < 3 && at != std::string::npos; ++i) at = reply.find(' ', at + 1);
  if (at == std::string::npos) return reply;
  std::string masked = reply.substr(0, at + 1) + "R";
  const std::size_t retry = reply.find(' ', at + 1);
  const std::size_t retry_end = reply.find_first_of(" \n", retry + 1);
  const std::string value = reply.substr(retry + 1, retry_end - retry - 1);
  return masked + (value == "0" ? " 0" : " T") + reply.substr(retry_end);
}

class RequestHandlerTest : public ::testing::Test {
 protected:
  RequestHandlerTest()
      : generation_(testing::MakeGeneration("limits: { api: \"2/minute\" }\n")),
        table_(generation_->limits, generation_->default_strategy, generation_->allow_inline,
               [](limits::StrategyKind) { return true; }),
        decider_(generation_, table_, counters_),
        authenticator_(decider_, counters_),
        handler_(decider_, authenticator_, counters_) {}

  /// The reply to one request, and whether the connection stays open.
  std::pair<std::string, bool> Handle(Wire wire, Verb verb, std::string_view limit = {},
                                      std::string_view key = {}, std::int64_t cost = 1) {
    protocol::Request request;
    request.wire = wire;
    request.verb = verb;
    request.limit = limit;
    request.key = key;
    request.cost = cost;
    std::string out;
    const bool open = testing::Get(io_, handler_.Handle(request, out, client_));
    return {out, open};
  }

  boost::asio::io_context io_;
  Metrics metrics_;
  ThreadMetrics& counters_ = metrics_.AddThread();
  std::shared_ptr<const Generation> generation_;
  LimitTable table_;
  Decider decider_;
  Authenticator authenticator_;
  RequestHandler handler_;
  ClientState client_;
};

TEST_F(RequestHandlerTest, LineDecisions) {
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kHit, "api", "k").first), "OK 2 1 R 0\n");
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kTest, "api", "k", 2).first), "DENY 2 1 R T\n");
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kHit, "api", "k").first), "OK 2 0 R 0\n");
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kStats, "api", "k").first), "DENY 2 0 R T\n");
  EXPECT_EQ(Handle(Wire::kLine, Verb::kReset, "api", "k").first, "OK\n");
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kHit, "api", "k").first), "OK 2 1 R 0\n");
}

TEST_F(RequestHandlerTest, ThrottleABucketThatRefillsPastMaxInlineWindowIsBadRate) {
  protocol::Request request;
  request.wire = Wire::kResp;
  request.verb = Verb::kThrottle;
  request.key = "k";
  // A bucket of 60 getting one back every minute: full again within the hour.
  request.throttle = {59, 1, 60, 1};
  std::string out;
  ASSERT_TRUE(testing::Get(io_, handler_.Handle(request, out, client_)));
  EXPECT_EQ(out.rfind("*5\r\n:0\r\n", 0), 0u) << out;
  // A bucket of 2 getting one back every two days: four days to refill, past one day.
  request.throttle = {1, 1, 172800, 1};
  out.clear();
  ASSERT_TRUE(testing::Get(io_, handler_.Handle(request, out, client_)));
  EXPECT_EQ(out.rfind("-ERR bad_rate CL.THROTTLE: a window of 345600 s is longer than "
                      "max_inline_window (1 day, 86400 s)",
                      0),
            0u)
      << out;
}

TEST_F(RequestHandlerTest, RequestsAreCountedByWire) {
  Handle(Wire::kLine, Verb::kHit, "api", "k");
  Handle(Wire::kResp, Verb::kHit, "api", "k");
  Handle(Wire::kResp, Verb::kHit, "api", "k");
  const std::string page = metrics_.Render();
  EXPECT_EQ(testing::SampleOf(page, "limitsd_requests_total{protocol=\"line\",verb=\"hit\","
                                    "result=\"allowed\"}"),
            1u);
  EXPECT_EQ(testing::SampleOf(page, "limitsd_requests_total{protocol=\"resp\",verb=\"hit\","
                                    "result=\"allowed\"}"),
            1u);
  EXPECT_EQ(testing::SampleOf(page, "limitsd_requests_total{protocol=\"resp\",verb=\"hit\","
                                    "result=\"denied\"}"),
            1u);
}

TEST(RequestHandlerShadow, TheLineSaysShadowAndRespKeepsItsFiveIntegers) {
  boost::asio::io_context io;
  Metrics metrics;
  ThreadMetrics& counters = metrics.AddThread();
  auto generation =
      testing::MakeGeneration("limits: { trial: { rate: \"1/minute\", shadow: true } }\n");
  LimitTable table(generation->limits, generation->default_strategy, generation->allow_inline,
                   [](limits::StrategyKind) { return true; });
  Decider decider(generation, table, counters);
  Authenticator authenticator(decider, counters);
  RequestHandler handler(decider, authenticator, counters);
  ClientState client;
  auto handle = [&](Wire wire) {
    protocol::Request request;
    request.wire = wire;
    request.verb = Verb::kHit;
    request.limit = "trial";
    request.key = "k";
    std::string out;
    testing::Get(io, handler.Handle(request, out, client));
    return out;
  };
  EXPECT_EQ(Masked(handle(Wire::kLine)), "OK 1 0 R 0\n");
  EXPECT_EQ(Masked(handle(Wire::kLine)), "OK 1 0 R 0 shadow\n");
  EXPECT_EQ(Masked(handle(Wire::kResp)), "*5\r\n:1\r\n:1\r\n:0\r\n:R\r\n:0\r\n");
}

TEST_F(RequestHandlerTest, RespDecisions) {
  EXPECT_EQ(Masked(Handle(Wire::kResp, Verb::kHit, "api", "k").first), "*5\r\n:1\r\n:2\r\n:1\r\n:R\r\n:0\r\n");
  EXPECT_EQ(Handle(Wire::kResp, Verb::kReset, "api", "k").first, "+OK\r\n");
}

TEST_F(RequestHandlerTest, ErrorsKeepTheConnectionOpen) {
  const auto [line, open] = Handle(Wire::kLine, Verb::kHit, "nope", "k");
  EXPECT_EQ(line.rfind("ERR unknown_limit ", 0), 0u) << line;
  EXPECT_TRUE(open);
  const auto [resp, resp_open] = Handle(Wire::kResp, Verb::kHit, "1/parsec", "k");
  EXPECT_EQ(resp.rfind("-ERR bad_rate ", 0), 0u) << resp;
  EXPECT_TRUE(resp_open);
}

TEST_F(RequestHandlerTest, PingAndQuitAreAnsweredWithoutADecision) {
  EXPECT_EQ(Handle(Wire::kLine, Verb::kPing), std::make_pair(std::string("PONG\n"), true));
  EXPECT_EQ(Handle(Wire::kResp, Verb::kPing), std::make_pair(std::string("+PONG\r\n"), true));
  EXPECT_EQ(Handle(Wire::kLine, Verb::kQuit), std::make_pair(std::string("BYE\n"), false));
  const std::string page = metrics_.Render();
  EXPECT_EQ(testing::SampleOf(page, "limitsd_requests_total{protocol=\"line\",verb=\"ping\","
                                    "result=\"ok\"}"),
            1u);
  EXPECT_EQ(testing::SampleOf(page, "limitsd_requests_total{protocol=\"resp\",verb=\"ping\","
                                    "result=\"ok\"}"),
            1u);
  EXPECT_EQ(page.find("limitsd_decisions_total{"), std::string::npos) << page;
}

// A daemon with server.password: one connection's requests, in order.
class RequestHandlerAuthTest : public ::testing::Test {
 protected:
  explicit RequestHandlerAuthTest(const std::string& server = "server: { password: s3cret }\n")
      : generation_(testing::MakeGeneration(server + "limits: { api: \"2/minute\" }\n")),
        table_(generation_->limits, generation_->default_strategy, generation_->allow_inline,
               [](limits::StrategyKind) { return true; }),
        decider_(generation_, table_, counters_),
        authenticator_(decider_, counters_),
        handler_(decider_, authenticator_, counters_) {}

  std::string Send(Wire wire, Verb verb, std::string_view user = {}, std::string_view password = {},
                   std::string_view argument = {}) {
    protocol::Request request;
    request.wire = wire;
    request.verb = verb;
    request.limit = "api";
    request.key = "k";
    request.user = user;
    request.password = password;
    request.argument = argument;
    if (verb == Verb::kHandshake) request.handshake = protocol::Handshake::kHello;
    std::string out;
    testing::Get(io_, handler_.Handle(request, out, client_));
    return out;
  }
  std::uint64_t Failures(std::string_view protocol, std::string_view reason) {
    return testing::SampleOf(metrics_.Render(), "limitsd_auth_failures_total{protocol=\"" +
                                                    std::string(protocol) + "\",reason=\"" +
                                                    std::string(reason) + "\"}");
  }

  boost::asio::io_context io_;
  Metrics metrics_;
  ThreadMetrics& counters_ = metrics_.AddThread();
  std::shared_ptr<const Generation> generation_;
  LimitTable table_;
  Decider decider_;
  Authenticator authenticator_;
  RequestHandler handler_;
  ClientState client_;
};

TEST_F(RequestHandlerAuthTest, RespAnswersAsRedisSeven) {
  EXPECT_EQ(Send(Wire::kResp, Verb::kPing), "+PONG\r\n");  // PING needs no AUTH
  EXPECT_EQ(Send(Wire::kResp, Verb::kHit), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(Send(Wire::kResp, Verb::kAuth, {}, "wrong"),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Send(Wire::kResp, Verb::kAuth, "bob", "s3cret"),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Send(Wire::kResp, Verb::kHit), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(Send(Wire::kResp, Verb::kAuth, "default", "s3cret"), "+OK\r\n");
  EXPECT_EQ(Masked(Send(Wire::kResp, Verb::kHit)), "*5\r\n:1\r\n:2\r\n:1\r\n:R\r\n:0\r\n");
  // A later wrong AUTH does not log the connection out.
  EXPECT_EQ(Send(Wire::kResp, Verb::kAuth, {}, "wrong").rfind("-WRONGPASS", 0), 0u);
  EXPECT_EQ(Masked(Send(Wire::kResp, Verb::kHit)), "*5\r\n:1\r\n:2\r\n:0\r\n:R\r\n:0\r\n");
  EXPECT_EQ(Failures("resp", "missing"), 2u);
  EXPECT_EQ(Failures("resp", "wrong"), 3u);
  EXPECT_EQ(Failures("line", "wrong"), 0u);
}

TEST_F(RequestHandlerAuthTest, TheLineProtocolHasItsOwnGrammar) {
  EXPECT_EQ(Send(Wire::kLine, Verb::kHit), "ERR noauth Authentication required.\n");
  EXPECT_EQ(Send(Wire::kLine, Verb::kReset), "ERR noauth Authentication required.\n");
  EXPECT_EQ(Send(Wire::kLine, Verb::kAuth, {}, "s3cret!"), "ERR wrongpass invalid password\n");
  EXPECT_EQ(Send(Wire::kLine, Verb::kAuth, {}, "s3cret"), "OK\n");
  EXPECT_EQ(Masked(Send(Wire::kLine, Verb::kHit)), "OK 2 1 R 0\n");
  const std::string page = metrics_.Render();
  EXPECT_EQ(
      testing::SampleOf(page, "limitsd_request_errors_total{protocol=\"line\",code=\"noauth\"}"),
      2u);
  EXPECT_EQ(Failures("line", "missing"), 2u);
  EXPECT_EQ(Failures("line", "wrong"), 1u);
}

TEST_F(RequestHandlerAuthTest, HelloTwoAuthenticatesWithItsAuthOption) {
  EXPECT_EQ(Send(Wire::kResp, Verb::kHandshake, "default", "nope", "2"),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Send(Wire::kResp, Verb::kHit), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(Send(Wire::kResp, Verb::kHandshake, "default", "s3cret", "2").rfind("*14\r\n", 0), 0u);
  EXPECT_EQ(Masked(Send(Wire::kResp, Verb::kHit)), "*5\r\n:1\r\n:2\r\n:1\r\n:R\r\n:0\r\n");
}

class RequestHandlerNoPasswordTest : public RequestHandlerAuthTest {
 protected:
  RequestHandlerNoPasswordTest() : RequestHandlerAuthTest("") {}
};

TEST_F(RequestHandlerNoPasswordTest, AuthIsAnErrorAsInRedisWithoutRequirepass) {
  EXPECT_EQ(Send(Wire::kResp, Verb::kAuth, {}, "x"),
            "-ERR AUTH <password> called without any password configured for the default "
            "user. Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(Send(Wire::kResp, Verb::kAuth, "bob", "x"),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Send(Wire::kResp, Verb::kAuth, "default", "x"), "+OK\r\n");
  EXPECT_EQ(Send(Wire::kLine, Verb::kAuth, {}, "x").rfind("ERR unsupported ", 0), 0u);
  EXPECT_EQ(Masked(Send(Wire::kLine, Verb::kHit)), "OK 2 1 R 0\n");
  EXPECT_EQ(Failures("resp", "wrong"), 0u);  // nothing to fail without a password
}

// server.admin_password beside server.password: separate rights on one connection.
class RequestHandlerAdminTest : public RequestHandlerAuthTest {
 protected:
  explicit RequestHandlerAdminTest(
      const std::string& server = "server: { password: s3cret, admin_password: r00t }\n")
      : RequestHandlerAuthTest(server) {}

  std::string Ask(Wire wire, Verb verb, std::string_view limit) {
    protocol::Request request;
    request.wire = wire;
    request.verb = verb;
    request.limit = limit;
    request.key = "k";
    request.throttle = {.max_burst = 1, .count = 2, .period = 60, .quantity = 1};
    std::string out;
    testing::Get(io_, handler_.Handle(request, out, client_));
    return out;
  }
  std::uint64_t NoPermErrors(std::string_view protocol) {
    return testing::SampleOf(metrics_.Render(), "limitsd_request_errors_total{protocol=\"" +
                                                    std::string(protocol) + "\",code=\"noperm\"}");
  }
};

TEST_F(RequestHandlerAdminTest, ThePasswordDecidesOnConfiguredLimitsOnly) {
  EXPECT_EQ(Ask(Wire::kLine, Verb::kReset, "api"), "ERR noauth Authentication required.\n");
  EXPECT_EQ(Send(Wire::kLine, Verb::kAuth, {}, "s3cret"), "OK\n");
  EXPECT_EQ(Masked(Ask(Wire::kLine, Verb::kHit, "api")), "OK 2 1 R 0\n");
  EXPECT_EQ(Ask(Wire::kLine, Verb::kReset, "api"),
            "ERR noperm RESET and CLEAR need the admin password (server.admin_password): AUTH "
            "with it on this connection first\n");
  EXPECT_EQ(Ask(Wire::kLine, Verb::kHit, "5/minute"),
            "ERR noperm inline limits need the admin password (server.admin_password): AUTH "
            "with it on this connection first, or use a configured limit name\n");
  EXPECT_EQ(Ask(Wire::kResp, Verb::kHit, "fixed-window:5/minute").rfind("-NOPERM inline ", 0), 0u);
  EXPECT_EQ(Ask(Wire::kResp, Verb::kThrottle, "").rfind("-NOPERM CL.THROTTLE needs ", 0), 0u);
  EXPECT_EQ(NoPermErrors("line"), 2u);
  EXPECT_EQ(NoPermErrors("resp"), 2u);
  EXPECT_EQ(Failures("line", "noperm"), 2u);
  EXPECT_EQ(Failures("resp", "noperm"), 2u);
  EXPECT_EQ(Failures("line", "wrong"), 0u);
  // Nothing was reset: the window still holds the first hit.
  EXPECT_EQ(Masked(Ask(Wire::kLine, Verb::kHit, "api")), "OK 2 0 R 0\n");
}

TEST_F(RequestHandlerAdminTest, TheAdminPasswordAllowsEverythingUntilAnotherAuth) {
  EXPECT_EQ(Send(Wire::kResp, Verb::kAuth, "default", "r00t"), "+OK\r\n");
  EXPECT_EQ(Masked(Ask(Wire::kLine, Verb::kHit, "api")), "OK 2 1 R 0\n");
  EXPECT_EQ(Ask(Wire::kLine, Verb::kReset, "api"), "OK\n");
  EXPECT_EQ(Masked(Ask(Wire::kLine, Verb::kHit, "api")), "OK 2 1 R 0\n");
  EXPECT_EQ(Masked(Ask(Wire::kLine, Verb::kHit, "5/minute")), "OK 5 4 R 0\n");
  EXPECT_EQ(Ask(Wire::kResp, Verb::kThrottle, "").rfind("*5\r\n:0\r\n", 0), 0u);
  // A wrong AUTH changes nothing; AUTH with the other password switches, as in Redis.
  EXPECT_EQ(Send(Wire::kLine, Verb::kAuth, {}, "nope"), "ERR wrongpass invalid password\n");
  EXPECT_EQ(Ask(Wire::kLine, Verb::kReset, "api"), "OK\n");
  EXPECT_EQ(Send(Wire::kLine, Verb::kAuth, {}, "s3cret"), "OK\n");
  EXPECT_EQ(Ask(Wire::kLine, Verb::kReset, "api").rfind("ERR noperm ", 0), 0u);
  EXPECT_EQ(Failures("line", "wrong"), 1u);
  EXPECT_EQ(Failures("line", "noperm"), 1u);
}

// server.admin_password alone: decisions on configured limits need no AUTH.
class RequestHandlerAdminOnlyTest : public RequestHandlerAdminTest {
 protected:
  RequestHandlerAdminOnlyTest() : RequestHandlerAdminTest("server: { admin_password: r00t }\n") {}
};

TEST_F(RequestHandlerAdminOnlyTest, OnlyTheAdminRequestsNeedAuth) {
  EXPECT_EQ(Masked(Ask(Wire::kLine, Verb::kHit, "api")), "OK 2 1 R 0\n");
  EXPECT_EQ(Ask(Wire::kLine, Verb::kReset, "api").rfind("ERR noperm RESET and CLEAR need ", 0), 0u);
  EXPECT_EQ(Failures("line", "missing"), 0u);
  EXPECT_EQ(Failures("line", "noperm"), 1u);
  // A password is configured: AUTH checks it (no `nopass` default user).
  EXPECT_EQ(Send(Wire::kResp, Verb::kAuth, "default", "x"),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Send(Wire::kLine, Verb::kAuth, {}, "r00t"), "OK\n");
  EXPECT_EQ(Ask(Wire::kLine, Verb::kReset, "api"), "OK\n");
  EXPECT_EQ(Masked(Ask(Wire::kLine, Verb::kHit, "api")), "OK 2 1 R 0\n");
}

}  // namespace
}  // namespace limitsd::server
