// The daemon over real Redis deployments: the same answers as memory://, several daemons
// sharing one Redis agree exactly (even with a skewed clock), and outages are survived.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"
#include "tests/e2e/scenario.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::e2e {
namespace {

using storage::redis::testing::RedisCluster;
using storage::redis::testing::RedisSentinelSet;
using storage::redis::testing::RedisServer;

std::string WithStorage(const std::string& uri, const std::string& extra = "") {
  return "storage: { uri: \"" + uri + "\", timeout_ms: 1000" + extra + " }\n";
}

TEST(RedisE2E, SameAnswersOnEveryBackend) {
  DaemonProcess memory("");
  const std::vector<std::string> expected = Scenario(memory.port());
  RedisServer redis;
  DaemonProcess on_redis(WithStorage(redis.Uri()));
  EXPECT_EQ(Scenario(on_redis.port()), expected) << "redis://";
  RedisCluster cluster;
  DaemonProcess on_cluster(WithStorage(cluster.Uri()));
  EXPECT_EQ(Scenario(on_cluster.port()), expected) << "redis+cluster://";
  RedisSentinelSet sentinel;
  DaemonProcess on_sentinel(WithStorage(sentinel.Uri()));
  EXPECT_EQ(Scenario(on_sentinel.port()), expected) << "redis+sentinel://";
}

TEST(RedisE2E, TwoDaemonsSharingOneRedisAdmitExactlyTheLimit) {
  RedisServer redis;
  DaemonProcess a(WithStorage(redis.Uri()) + "server: { threads: 2 }\n");
  // The second daemon's clock is 30 s behind: Redis' TIME decides, so it does not matter.
  // libfaketime preloaded through env(1), which execs: the daemon keeps the pid we stop
  // (the faketime wrapper would fork it and leave it behind).
  const std::string faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  ASSERT_TRUE(std::filesystem::exists(faketime)) << "install Debian's faketime";
  DaemonProcess b(WithStorage(redis.Uri()) + "server: { threads: 2 }\n", {},
                  {"env", "LD_PRELOAD=" + faketime, "FAKETIME=-30s"});
  for (const char* strategy : {"fixed-window", "moving-window", "sliding-window-counter"}) {
    EXPECT_EQ(CountAllowedOverTwo(a.port(), b.port(), std::string(strategy) + ":100/minute"), 100)
        << strategy;
  }
}

TEST(RedisE2E, RedisDownThenBack) {
  RedisServer redis;
  DaemonProcess daemon(
      "storage: { uri: \"" + redis.Uri() + "\", timeout_ms: 200 }\n");
  LineClient c(daemon.port());
  EXPECT_EQ(Fields(c.Ask("HIT 100/minute k")).at(0), "OK");
  redis.Stop(/*hard=*/true);
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(Fields(c.Ask("HIT 100/minute k")).at(1), "storage");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  }
  redis.Start();
  bool back = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!back && std::chrono::steady_clock::now() < deadline) {
    back = Fields(c.Ask("HIT 100/minute k")).at(0) == "OK";
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(back) << "decisions did not resume after Redis came back";
}

}  // namespace
}  // namespace limitsd::e2e
