#include "server/http_api_endpoints.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "server/generation.h"
#include "server/worker.h"
#include "tests/server/server_fixture.h"

namespace limitsd::server {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

std::vector<std::string> Names(const limits::Limit& limit) {
  std::vector<std::string> names;
  for (const protocol::RatePolicy& p : HttpApiEndpoints::PoliciesOf(limit)) names.push_back(p.name);
  return names;
}

std::shared_ptr<const limits::Limit> Inline(std::string_view token) {
  auto parsed = limits::ParseInlineLimit(token, limits::StrategyKind::kFixedWindow);
  EXPECT_TRUE(parsed.limit) << parsed.error;
  return std::make_shared<const limits::Limit>(std::move(*parsed.limit));
}

TEST(HttpApiPolicies, OneRateIsNamedAsTheLimit) {
  EXPECT_EQ(Names(*Inline("10/second")), std::vector<std::string>{"10/second"});
  EXPECT_EQ(Names(*Inline("moving-window:5/10seconds")),
            std::vector<std::string>{"moving-window:5/10seconds"});
}

TEST(HttpApiPolicies, SeveralRatesOfAnInlineLimitAreNamedByTheirRate) {
  EXPECT_EQ(Names(*Inline("10/second;5/10seconds;100/minute")),
            (std::vector<std::string>{"10/second", "5/10second", "100/minute"}));
}

TEST(HttpApiPolicies, SeveralRatesOfANamedLimitCarryItsName) {
  const auto parsed = limits::ParseInlineLimit("100/minute;2000/hour",
                                               limits::StrategyKind::kFixedWindow);
  ASSERT_TRUE(parsed.limit);
  const limits::Limit api("api", limits::StrategyKind::kFixedWindow, parsed.limit->rates());
  const std::vector<protocol::RatePolicy> policies = HttpApiEndpoints::PoliciesOf(api);
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_EQ(policies[0].name, "api:100/minute");
  EXPECT_EQ(policies[0].quota, 100);
  EXPECT_EQ(policies[0].window_ms, 60'000);
  EXPECT_EQ(policies[1].name, "api:2000/hour");
  EXPECT_EQ(policies[1].window_ms, 3'600'000);
}

class HttpApiEndpointsTest : public ::testing::Test {
 protected:
  HttpApiEndpointsTest()
      : worker_(io_, testing::MakeGeneration("limits: { api: \"2/minute\" }\nallow_reset: false\n"),
                ConnectionSettings{}, metrics_) {
    HttpApiEndpoints::Register(router_);
  }

  protocol::HttpReply Post(std::string_view path, std::string_view body) {
    std::string allow;
    const HttpHandler* handler = router_.Find(http::verb::post, path, allow);
    EXPECT_NE(handler, nullptr) << path;
    return testing::Get(io_, (*handler)(HttpRequest{http::verb::post, path, body, nullptr}, worker_));
  }

  boost::asio::io_context io_;
  Metrics metrics_;
  Worker worker_;
  HttpRouter router_;
};

TEST_F(HttpApiEndpointsTest, HitDecidesThroughTheWorkersDecider) {
  EXPECT_EQ(Post("/v1/hit", R"({"limit":"api","key":"k"})").status, 200);
  EXPECT_EQ(Post("/v1/hit", R"({"limit":"api","key":"k"})").status, 200);
  const protocol::HttpReply denied = Post("/v1/hit", R"({"limit":"api","key":"k"})");
  EXPECT_EQ(denied.status, 429);
  EXPECT_EQ(json::parse(denied.body).at("violated-policies"), json::parse(R"(["api"])"));
}

TEST_F(HttpApiEndpointsTest, ErrorsKeepTheLineProtocolsCode) {
  const protocol::HttpReply unknown = Post("/v1/test", R"({"limit":"nosuch","key":"k"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(json::parse(unknown.body).at("code"), "unknown_limit");
  const protocol::HttpReply forbidden = Post("/v1/reset", R"({"limit":"api","key":"k"})");
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(json::parse(forbidden.body).at("code"), "forbidden");
}

TEST_F(HttpApiEndpointsTest, BatchAnswersEachInOrder) {
  const protocol::HttpReply reply = Post("/v1/batch", R"([
      {"verb":"hit","limit":"api","key":"b","cost":2},
      {"verb":"stats","limit":"api","key":"b"},
      {"verb":"hit","limit":"api","key":"b"}])");
  EXPECT_EQ(reply.status, 200);
  const json::value body = json::parse(reply.body);
  const json::array& results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].at("status"), 200);
  EXPECT_EQ(results[1].at("status"), 429);
  EXPECT_EQ(results[1].at("remaining"), 0);
  EXPECT_EQ(results[2].at("status"), 429);
}

}  // namespace
}  // namespace limitsd::server
