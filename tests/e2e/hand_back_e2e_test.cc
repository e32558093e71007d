// storage.on_error: local hands back what it admitted while Redis failed, so that the
// daemon does not admit the limit a second time from Redis' windows once Redis answers.

#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/e2e/admin_client.h"
#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"
#include "tests/storage/redis/redis_servers.h"
#include "tests/support/test_support.h"

namespace limitsd::e2e {
namespace {

using std::chrono::milliseconds;
using storage::redis::testing::RedisServer;

// The value of `limitsd_local_hand_back_units_total{result="<result>"}`.
long HandedBack(std::uint16_t admin, const std::string& result) {
  return static_cast<long>(
      MetricValue(Http(admin, "GET", "/metrics").body,
                  "limitsd_local_hand_back_units_total{result=\"" + result + "\"}"));
}

int Admitted(LineClient& client, const std::string& request, int times) {
  int ok = 0;
  for (int i = 0; i < times; ++i) ok += client.Ask(request).substr(0, 2) == "OK";
  return ok;
}

TEST(HandBackE2E, WhatOnErrorLocalAdmittedIsAddedToRedisWhenItAnswersAgain) {
  RedisServer redis;
  const std::uint16_t admin = testing::FreePort();
  DaemonProcess daemon("admin: { listen: \"127.0.0.1:" + std::to_string(admin) + "\" }\n" +
                       "storage: { uri: \"" + redis.Uri() +
                       "\", timeout_ms: 100, on_error: local }\n");
  ASSERT_TRUE(testing::WaitForPort(admin, std::chrono::seconds(5)));
  LineClient client(daemon.port());
  ASSERT_EQ(Admitted(client, "HIT 10/minute k", 4), 4);  // in Redis

  redis.Signal(SIGSTOP);
  // The local store knows nothing of Redis' 4: it admits its own 10.
  EXPECT_EQ(Admitted(client, "HIT 10/minute k", 12), 10);
  redis.Signal(SIGCONT);

  // Requests on another key reach Redis again once the breaker lets a probe through; the
  // first one that succeeds starts the hand-back of the 10 units.
  long settled = 0;
  for (int i = 0; i < 100 && settled < 10; ++i) {
    client.Ask("TEST 10/minute other");
    std::this_thread::sleep_for(milliseconds(100));
    settled = HandedBack(admin, "applied") + HandedBack(admin, "dropped");
  }
  // Redis' window held 4, plus the HITs that timed out while it was stopped (they were
  // queued in its socket and ran when it resumed). It took what still fitted, the rest was
  // dropped: it is full now, and the limit is not admitted a second time.
  EXPECT_EQ(settled, 10);
  EXPECT_EQ(Admitted(client, "HIT 10/minute k", 5), 0) << "the limit was admitted twice";
  EXPECT_EQ(Fields(client.Ask("STATS 10/minute k")).at(2), "0");
  EXPECT_NE(redis.Cli({"--scan", "--pattern", "*k*"}), "") << "not decided by Redis";
}

}  // namespace
}  // namespace limitsd::e2e
