// A backend that stops answering: every request is still answered within its deadline.

#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::e2e {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using storage::redis::testing::RedisServer;

// The documented contract (docs/configuration.md, storage.timeout_ms): every request is
// answered within timeout_ms of being read, plus scheduling. The test allows 50 ms for that
// and for the time the client's bytes take to be read on a loaded machine.
constexpr int kTimeoutMs = 200;
constexpr milliseconds kBound{kTimeoutMs + 50};

// Sends `total` requests on one connection in small pipelined bursts at a steady pace, and
// returns each one's latency (reply read minus request sent), in request order.
std::vector<milliseconds> PipelineAtAPace(LineClient& client, int total, int burst,
                                          milliseconds pause) {
  std::vector<Clock::time_point> sent(total);
  std::vector<milliseconds> latency(total, milliseconds::max());
  std::thread reader([&] {
    for (int i = 0; i < total; ++i) {
      const auto reply = client.ReadLine(std::chrono::seconds(10));
      if (!reply) return;
      const auto now = Clock::now();
      latency[i] = std::chrono::duration_cast<milliseconds>(now - sent[i]);
    }
  });
  std::string bytes;
  for (int i = 0; i < total; i += burst) {
    bytes.clear();
    const int n = std::min(burst, total - i);
    for (int j = 0; j < n; ++j) bytes += "HIT 1000000/hour k" + std::to_string((i + j) % 50) + "\n";
    const auto now = Clock::now();
    for (int j = 0; j < n; ++j) sent[i + j] = now;
    client.Send(bytes);
    std::this_thread::sleep_for(pause);
  }
  reader.join();
  return latency;
}

TEST(FaultsE2E, PipelinedRequestsAreAnsweredWithinTheirDeadlineWhileRedisIsStopped) {
  RedisServer redis;
  DaemonProcess daemon("storage: { uri: \"" + redis.Uri() + "\", timeout_ms: " +
                       std::to_string(kTimeoutMs) + ", on_error: local }\n");
  LineClient client(daemon.port());
  ASSERT_EQ(client.Ask("HIT 10/minute warm").substr(0, 2), "OK");
  // 10,000 requests over about 6 s; Redis is stopped from about 0.5 s to 5.5 s.
  std::thread outage([&] {
    std::this_thread::sleep_for(milliseconds(500));
    redis.Signal(SIGSTOP);
    std::this_thread::sleep_for(std::chrono::seconds(5));
    redis.Signal(SIGCONT);
  });
  const std::vector<milliseconds> latency = PipelineAtAPace(client, 10000, 20, milliseconds(12));
  outage.join();

  std::vector<milliseconds> sorted = latency;
  std::sort(sorted.begin(), sorted.end());
  const auto at = [&](double q) { return sorted[static_cast<std::size_t>(q * (sorted.size() - 1))]; };
  std::cout << "latency ms: p50 " << at(0.5).count() << ", p99 " << at(0.99).count()
            << ", p99.9 " << at(0.999).count() << ", max " << sorted.back().count() << "\n";
  ASSERT_NE(sorted.back(), milliseconds::max()) << "some requests were never answered";
  EXPECT_LE(sorted.back(), kBound) << "p99 " << at(0.99).count() << " ms";
  // Redis is back (the breaker probes it every 500 ms): decisions come from it again, and
  // exactly.
  std::this_thread::sleep_for(milliseconds(1000));
  client.Ask("HIT 3/minute probe");
  EXPECT_EQ(Fields(client.Ask("HIT 3/minute after")).at(2), "2");
  EXPECT_EQ(Fields(client.Ask("HIT 3/minute after")).at(2), "1");
  EXPECT_EQ(Fields(client.Ask("HIT 3/minute after")).at(2), "0");
  EXPECT_EQ(Fields(client.Ask("HIT 3/minute after")).at(0), "DENY");
  EXPECT_NE(redis.Cli({"--scan", "--pattern", "*after*"}), "") << "not decided by Redis";
}

// Pipelined requests on one connection run together, but a RESET still takes effect before
// the requests sent after it, on a storage that answers at once and on one that is awaited.
TEST(FaultsE2E, APipelinedResetTakesEffectBeforeTheRequestsAfterIt) {
  RedisServer redis;
  for (const std::string& uri : {std::string("memory://"), redis.Uri()}) {
    DaemonProcess daemon("storage: { uri: \"" + uri + "\" }\n");
    LineClient client(daemon.port());
    client.Send(
        "HIT 2/minute k\nHIT 2/minute k\nRESET 2/minute k\nHIT 2/minute k\nHIT 2/minute k\n"
        "HIT 2/minute k\n");
    std::vector<std::string> replies;
    for (int i = 0; i < 6; ++i) replies.push_back(client.ReadLine().value_or("<none>"));
    const std::vector<std::string> expected = {"OK", "OK", "OK", "OK", "OK", "DENY"};
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(replies[i].substr(0, expected[i].size()), expected[i]) << uri << " #" << i;
    }
    EXPECT_EQ(Fields(replies[4]).at(2), "0") << uri;
  }
}

}  // namespace
}  // namespace limitsd::e2e
