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
        handler_(decider_, counters_) {}

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
    const bool open = testing::Get(io_, handler_.Handle(request, out));
    return {out, open};
  }

  boost::asio::io_context io_;
  Metrics metrics_;
  ThreadMetrics& counters_ = metrics_.AddThread();
  std::shared_ptr<const Generation> generation_;
  LimitTable table_;
  Decider decider_;
  RequestHandler handler_;
};

TEST_F(RequestHandlerTest, LineDecisions) {
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kHit, "api", "k").first), "OK 2 1 R 0\n");
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kTest, "api", "k", 2).first), "DENY 2 1 R T\n");
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kHit, "api", "k").first), "OK 2 0 R 0\n");
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kStats, "api", "k").first), "DENY 2 0 R T\n");
  EXPECT_EQ(Handle(Wire::kLine, Verb::kReset, "api", "k").first, "OK\n");
  EXPECT_EQ(Masked(Handle(Wire::kLine, Verb::kHit, "api", "k").first), "OK 2 1 R 0\n");
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
  RequestHandler handler(decider, counters);
  auto handle = [&](Wire wire) {
    protocol::Request request;
    request.wire = wire;
    request.verb = Verb::kHit;
    request.limit = "trial";
    request.key = "k";
    std::string out;
    testing::Get(io, handler.Handle(request, out));
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

}  // namespace
}  // namespace limitsd::server
