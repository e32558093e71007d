#include "server/admin_server.h"

#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/executor_work_guard.hpp>

#include "config/listen_address.h"
#include "tests/e2e/admin_client.h"
#include "tests/e2e/line_client.h"

namespace limitsd::server {
namespace {

using e2e::Http;
using std::chrono::seconds;

class AdminServerTest : public ::testing::Test {
 protected:
  void Start(config::AdminConfig config = {}) {
    AdminHooks hooks;
    hooks.metrics = [] { return std::string("# TYPE x counter\nx 1\n"); };
    hooks.readiness = [this]() -> storage::Task<Readiness> {
      co_return Readiness{ready_, ready_ ? "ready" : "the storage does not answer"};
    };
    hooks.reload = [this]() -> storage::Task<ReloadOutcome> {
      ++reloads_;
      co_return ReloadOutcome{reload_ok_, reload_ok_ ? "reloaded\n" : "test.yaml:1:1: bad\n"};
    };
    server_ = std::make_unique<AdminServer>(io_, std::move(hooks), config);
    server_->Bind(*config::ParseListenAddress("127.0.0.1:0").address);
    const std::string bound = server_->BoundAddress();
    port_ = static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    server_->Start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~AdminServerTest() override {
    boost::asio::post(io_, [this] { server_->Stop(); });
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  std::unique_ptr<AdminServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::atomic<bool> ready_{true};
  std::atomic<bool> reload_ok_{true};
  std::atomic<int> reloads_{0};
};

TEST_F(AdminServerTest, ServesMetricsAndProbes) {
  Start();
  const e2e::HttpReply metrics = Http(port_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.body, "# TYPE x counter\nx 1\n");
  EXPECT_NE(metrics.headers.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_EQ(Http(port_, "GET", "/livez").status, 200);
  EXPECT_EQ(Http(port_, "GET", "/readyz").status, 200);
  ready_ = false;
  const e2e::HttpReply unready = Http(port_, "GET", "/readyz?full");
  EXPECT_EQ(unready.status, 503);
  EXPECT_EQ(unready.body, "the storage does not answer\n");
  EXPECT_EQ(Http(port_, "HEAD", "/health").status, 503);
  EXPECT_EQ(Http(port_, "GET", "/livez").status, 200);
}

TEST_F(AdminServerTest, WrongMethodsAndPaths) {
  Start();
  const e2e::HttpReply post = Http(port_, "POST", "/metrics");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.headers.find("Allow: GET, HEAD"), std::string::npos) << post.headers;
  EXPECT_EQ(Http(port_, "GET", "/reload").status, 405);
  EXPECT_EQ(Http(port_, "GET", "/metricsx").status, 404);
  EXPECT_EQ(reloads_.load(), 0);
}

TEST_F(AdminServerTest, PostReloadReportsTheOutcome) {
  Start();
  const e2e::HttpReply ok = Http(port_, "POST", "/reload");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "reloaded\n");
  reload_ok_ = false;
  const e2e::HttpReply bad = Http(port_, "POST", "/reload");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body, "test.yaml:1:1: bad\n");
  EXPECT_EQ(reloads_.load(), 2);
}

TEST_F(AdminServerTest, ASilentConnectionIsClosedAfterTheReadTimeout) {
  config::AdminConfig config;
  config.read_timeout_ms = 200;
  Start(config);
  e2e::LineClient silent(port_);
  EXPECT_TRUE(silent.ClosedByPeer(seconds(10)));
  EXPECT_EQ(Http(port_, "GET", "/livez").status, 200);
}

TEST_F(AdminServerTest, ConnectionsOverTheCapAreTurnedAway) {
  config::AdminConfig config;
  config.max_connections = 2;
  Start(config);
  e2e::LineClient first(port_);
  e2e::LineClient second(port_);
  first.Send("GE");  // both are being served, waiting for the rest of their request
  second.Send("GE");
  // The server counts a connection once it has accepted it: retry until it has both.
  int status = 0;
  for (int i = 0; i < 100 && status != 503; ++i) {
    status = Http(port_, "GET", "/livez").status;
    if (status != 503) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 503);
  first.Send("T /livez HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(first.ReadLine(seconds(5)).value_or(""), "HTTP/1.1 200 OK\r");
}

// A connection still being served when the server goes: its frame is destroyed later, with
// the io_context, and must not touch the server then (scripts/sanitize.sh asan checks it).
TEST_F(AdminServerTest, AConnectionOpenAtShutdownOutlivesTheServerSafely) {
  Start();
  e2e::LineClient waiting(port_);
  waiting.Send("GET /livez HTTP/1.1\r\n");  // the rest of its request never comes
  // Accepted in order: once a later request is answered, `waiting` is being served.
  EXPECT_EQ(Http(port_, "GET", "/livez").status, 200);
}

}  // namespace
}  // namespace limitsd::server
