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
  // A bucket of 100 that gets one unit back every 36 s: the burst, exactly.
  EXPECT_EQ(CountAllowedOverTwo(a.port(), b.port(), "gcra:100/hour"), 100) << "gcra";
}

// The reply with each time inside (0, 10 s] written as "T", so that answers made at
// slightly different moments compare equal.
std::string TimesAsT(const std::string& reply) {
  std::vector<std::string> fields = Fields(reply);
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i >= 3) {
      const long long ms = std::stoll(fields[i]);
      if (ms > 0 && ms <= 10'000) fields[i] = "T";
    }
    out += (i == 0 ? "" : " ") + fields[i];
  }
  return out;
}

// What a denial remembered by the redis:// deny cache answers after a smaller cost was
// allowed, and after a cost above the amount: what memory:// answers.
TEST(RedisE2E, RememberedDenialsAnswerTheCurrentCounts) {
  const std::vector<std::pair<std::string, std::string>> steps{
      {"HIT fixed-window:5/10seconds j 3", "OK 5 2 T 0"},
      {"HIT fixed-window:5/10seconds j 3", "DENY 5 2 T T"},
      {"HIT fixed-window:5/10seconds j 1", "OK 5 1 T 0"},
      {"HIT fixed-window:5/10seconds j 6", "DENY 5 1 T -1"},
      {"HIT fixed-window:5/10seconds j 3", "DENY 5 1 T T"},
      {"HIT fixed-window:5/10seconds a 6", "DENY 5 5 0 -1"},
      {"HIT fixed-window:5/10seconds a 2", "OK 5 3 T 0"},
      {"TEST fixed-window:5/10seconds a 6", "DENY 5 3 T -1"},
      {"HIT fixed-window:5/10seconds a 6", "DENY 5 3 T -1"},
  };
  RedisServer redis;
  DaemonProcess memory("");
  DaemonProcess on_redis(WithStorage(redis.Uri()));
  for (const std::uint16_t port : {memory.port(), on_redis.port()}) {
    LineClient c(port);
    for (const auto& [request, expected] : steps) {
      EXPECT_EQ(TimesAsT(c.Ask(request)), expected)
          << request << (port == memory.port() ? " on memory://" : " on redis://");
    }
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
