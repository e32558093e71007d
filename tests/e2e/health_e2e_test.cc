// Liveness, readiness and shutdown of the real binary: /livez, /readyz with a real Redis
// going down under each on_error, the storage contacted at start-up, and SIGTERM answering
// what was received, marking the daemon not ready, and closing cleanly.

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include "tests/e2e/admin_client.h"
#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using storage::redis::testing::RedisServer;

std::string Admin(std::uint16_t port) {
  return "admin: { listen: \"127.0.0.1:" + std::to_string(port) + "\" }\n";
}

template <class Probe>
bool Eventually(Probe probe, milliseconds limit = seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (probe()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return probe();
}

TEST(HealthE2E, ProbesAnswerGetAndHeadAndIgnoreQueryStrings) {
  const std::uint16_t admin = testing::FreePort();
  DaemonProcess daemon(Admin(admin));
  ASSERT_TRUE(testing::WaitForPort(admin, seconds(5)));
  for (const char* path : {"/livez", "/readyz", "/health", "/readyz?verbose=1", "/metrics?x"}) {
    const HttpReply get = Http(admin, "GET", path);
    EXPECT_EQ(get.status, 200) << path;
    EXPECT_FALSE(get.body.empty()) << path;
    const HttpReply head = Http(admin, "HEAD", path);
    EXPECT_EQ(head.status, 200) << path;
    EXPECT_EQ(head.body, "") << path;
    // HEAD states the length GET would send. The metrics page changes between two scrapes
    // (the process' CPU seconds and memory, the admin requests themselves), so its length
    // is only checked to be stated and about the GET's.
    const std::size_t at = head.headers.find("Content-Length: ");
    ASSERT_NE(at, std::string::npos) << path << ": " << head.headers;
    const std::size_t length = std::stoul(head.headers.substr(at + 16));
    if (std::string_view(path).starts_with("/metrics")) {
      EXPECT_GT(length, get.body.size() * 9 / 10) << path << ": " << head.headers;
      EXPECT_LT(length, get.body.size() * 11 / 10) << path << ": " << head.headers;
    } else {
      EXPECT_EQ(length, get.body.size()) << path << ": " << head.headers;
    }
  }
  EXPECT_EQ(Http(admin, "GET", "/nope").status, 404);
  EXPECT_EQ(Http(admin, "DELETE", "/readyz").status, 405);
}

TEST(HealthE2E, ReadyzStays200WithOnErrorAllowWhileRedisIsDown) {
  RedisServer redis;
  const std::uint16_t admin = testing::FreePort();
  DaemonProcess daemon("storage: { uri: \"" + redis.Uri() + "\", on_error: allow, "
                       "timeout_ms: 200 }\n" + Admin(admin));
  ASSERT_TRUE(testing::WaitForPort(admin, seconds(5)));
  EXPECT_EQ(Http(admin, "GET", "/readyz").status, 200);
  redis.Stop(/*hard=*/true);
  const HttpReply down = Http(admin, "GET", "/readyz");
  EXPECT_EQ(down.status, 200) << down.body;
  EXPECT_NE(down.body.find("on_error: allow"), std::string::npos) << down.body;
  EXPECT_EQ(Http(admin, "GET", "/health").status, 200);
  EXPECT_EQ(Http(admin, "GET", "/livez").status, 200);
  LineClient c(daemon.port());
  EXPECT_EQ(c.Ask("HIT 5/minute k"), "OK 5 5 0 0");
}

TEST(HealthE2E, ReadyzIs503WithOnErrorErrorWhileRedisIsDown) {
  RedisServer redis;
  const std::uint16_t admin = testing::FreePort();
  DaemonProcess daemon("storage: { uri: \"" + redis.Uri() + "\", timeout_ms: 200 }\n" +
                       Admin(admin));
  ASSERT_TRUE(testing::WaitForPort(admin, seconds(5)));
  EXPECT_EQ(Http(admin, "GET", "/readyz").status, 200);
  redis.Stop(/*hard=*/true);
  const HttpReply down = Http(admin, "GET", "/readyz");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(Http(admin, "HEAD", "/health").status, 503);
  EXPECT_EQ(Http(admin, "GET", "/livez").status, 200);
  redis.Start();
  EXPECT_TRUE(Eventually([&] { return Http(admin, "GET", "/readyz").status == 200; }));
}

TEST(HealthE2E, TheStorageIsContactedAtStartUp) {
  const std::uint16_t nobody = testing::FreePort();
  const std::string uri = "redis://127.0.0.1:" + std::to_string(nobody);
  DaemonProcess tries("storage: { uri: \"" + uri + "\", timeout_ms: 200 }\n");
  EXPECT_NE(tries.Log().find("does not answer (start-up)"), std::string::npos) << tries.Log();

  testing::TempDir dir;
  const auto path = dir.path() / "limitsd.yaml";
  std::ofstream(path) << "storage: { uri: \"" + uri + "\", timeout_ms: 200, connect: require }\n";
  const auto [code, out] = RunLimitsd({"--config", path.string(), "--listen",
                                       "127.0.0.1:" + std::to_string(testing::FreePort())});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("does not answer and storage.connect is require"), std::string::npos) << out;

  RedisServer redis;
  DaemonProcess answers("storage: { uri: \"" + redis.Uri() + "\", connect: require }\n");
  EXPECT_NE(answers.Log().find("answers (start-up)"), std::string::npos) << answers.Log();
}

TEST(HealthE2E, SigtermAnswersWhatArrivedAndClosesWithoutAReset) {
  DaemonProcess daemon("");
  LineClient c(daemon.port());
  EXPECT_EQ(c.Ask("PING"), "PONG");
  std::string burst;
  for (int i = 0; i < 2000; ++i) burst += "HIT 1000000/minute term\n";
  c.Send(burst);  // received by the host, mostly not yet read by the daemon
  daemon.process().Signal(SIGTERM);
  int answered = 0;
  while (c.ReadLine(seconds(5))) ++answered;
  EXPECT_EQ(answered, 2000);
  const int status = daemon.process().Wait(seconds(15));
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(HealthE2E, AnIdleConnectionIsClosedWithAFinOnSigterm) {
  DaemonProcess daemon("");
  LineClient c(daemon.port());
  EXPECT_EQ(c.Ask("PING"), "PONG");
  daemon.process().Signal(SIGTERM);
  EXPECT_TRUE(c.ClosedCleanly(seconds(5)));
}

TEST(HealthE2E, NotReadyWhileDraining) {
  RedisServer redis;
  const std::uint16_t admin = testing::FreePort();
  DaemonProcess daemon("storage: { uri: \"" + redis.Uri() + "\", timeout_ms: 5000 }\n" +
                       Admin(admin));
  ASSERT_TRUE(testing::WaitForPort(admin, seconds(5)));
  LineClient c(daemon.port());
  EXPECT_EQ(c.Ask("HIT 5/minute k"), "OK 5 4 60000 0");
  storage::redis::testing::BlockServer(redis.port(), "2");
  c.Send("HIT 5/minute k\n");  // waits for Redis: the daemon drains until it is answered
  std::this_thread::sleep_for(milliseconds(100));
  daemon.process().Signal(SIGTERM);
  EXPECT_TRUE(Eventually([&] { return Http(admin, "GET", "/readyz").status == 503; }));
  EXPECT_NE(Http(admin, "GET", "/readyz").body.find("draining"), std::string::npos);
  EXPECT_EQ(Http(admin, "GET", "/livez").status, 200);
  const std::string answer = c.ReadLine(seconds(10)).value_or("<none>");
  EXPECT_EQ(answer.substr(0, 7), "OK 5 3 ") << answer;
  EXPECT_TRUE(c.ClosedCleanly(seconds(5)));
  const int status = daemon.process().Wait(seconds(15));
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace limitsd::e2e
