#include "server/request_handler.h"

#include <gtest/gtest.h>

#include "server/generation.h"
#include "tests/server/server_fixture.h"

namespace limitsd::server {
namespace {

using protocol::Verb;
using protocol::Wire;

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
  EXPECT_EQ(Handle(Wire::kLine, Verb::kHit, "api", "k").first, "OK 2 1 60000 0\n");
  EXPECT_EQ(Handle(Wire::kLine, Verb::kTest, "api", "k", 2).first, "DENY 2 1 60000 60000\n");
  EXPECT_EQ(Handle(Wire::kLine, Verb::kHit, "api", "k").first, "OK 2 0 60000 0\n");
  EXPECT_EQ(Handle(Wire::kLine, Verb::kStats, "api", "k").first, "DENY 2 0 60000 60000\n");
  EXPECT_EQ(Handle(Wire::kLine, Verb::kReset, "api", "k").first, "OK\n");
  EXPECT_EQ(Handle(Wire::kLine, Verb::kHit, "api", "k").first, "OK 2 1 60000 0\n");
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

TEST_F(RequestHandlerTest, RespDecisions) {
  EXPECT_EQ(Handle(Wire::kResp, Verb::kHit, "api", "k").first,
            "*5\r\n:1\r\n:2\r\n:1\r\n:60000\r\n:0\r\n");
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
