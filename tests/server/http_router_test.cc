#include "server/http_router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace limitsd::server {
namespace {

namespace http = boost::beast::http;

HttpHandler Fixed(int status) {
  return [status](const HttpRequest&, Worker&) -> storage::Pending<protocol::HttpReply> {
    protocol::HttpReply reply;
    reply.status = status;
    return reply;
  };
}

TEST(HttpRouter, FindsARouteByMethodAndPath) {
  HttpRouter router;
  router.Add(http::verb::post, "/v1/hit", Fixed(201));
  router.Add(http::verb::get, "/v1/hit", Fixed(202));
  std::string allow;
  const HttpHandler* post = router.Find(http::verb::post, "/v1/hit", allow);
  ASSERT_NE(post, nullptr);
  EXPECT_TRUE(allow.empty());
  const HttpHandler* get = router.Find(http::verb::get, "/v1/hit", allow);
  ASSERT_NE(get, nullptr);
  EXPECT_NE(post, get);
}

TEST(HttpRouter, AnotherMethodOnAKnownPathListsTheAllowedOnes) {
  HttpRouter router;
  router.Add(http::verb::post, "/v1/hit", Fixed(200));
  router.Add(http::verb::get, "/v1/hit", Fixed(200));
  router.Add(http::verb::post, "/json", Fixed(200));
  std::string allow;
  EXPECT_EQ(router.Find(http::verb::delete_, "/v1/hit", allow), nullptr);
  EXPECT_EQ(allow, "POST, GET");
}

TEST(HttpRouter, AnUnknownPathHasNoAllow) {
  HttpRouter router;
  router.Add(http::verb::post, "/v1/hit", Fixed(200));
  std::string allow = "stale";
  EXPECT_EQ(router.Find(http::verb::post, "/v1/hit/", allow), nullptr);
  EXPECT_TRUE(allow.empty());
}

TEST(HttpRouter, ARouteRegisteredTwiceIsRefused) {
  HttpRouter router;
  router.Add(http::verb::post, "/json", Fixed(200));
  EXPECT_THROW(router.Add(http::verb::post, "/json", Fixed(200)), std::logic_error);
  EXPECT_NO_THROW(router.Add(http::verb::put, "/json", Fixed(200)));
}

TEST(HttpRouter, DescribesEveryRoute) {
  HttpRouter router;
  router.Add(http::verb::post, "/v1/hit", Fixed(200));
  router.Add(http::verb::post, "/json", Fixed(200));
  EXPECT_EQ(router.Describe(), "POST /v1/hit, POST /json");
}

}  // namespace
}  // namespace limitsd::server
