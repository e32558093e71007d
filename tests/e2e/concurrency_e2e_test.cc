// 50 connections send 300 hits at one key of a 100/minute limit over four I/O threads:
// exactly 100 pass, for each strategy.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"

namespace limitsd::e2e {
namespace {

constexpr int kConnections = 50;
constexpr int kHitsEach = 6;

int CountAllowed(std::uint16_t port, const std::string& limit) {
  std::atomic<int> allowed{0}, answered{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.emplace_back([&, i] {
      LineClient c(port);
      std::string burst;
      for (int h = 0; h < kHitsEach; ++h) burst += "HIT " + limit + " shared\n";
      // Half the clients pipeline their hits, half send them one by one.
      if (i % 2 == 0) c.Send(burst);
      for (int h = 0; h < kHitsEach; ++h) {
        const std::string reply =
            i % 2 == 0 ? c.ReadLine().value_or("") : c.Ask("HIT " + limit + " shared");
        if (reply.rfind("OK ", 0) == 0) ++allowed;
        if (!reply.empty()) ++answered;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(answered.load(), kConnections * kHitsEach);
  return allowed.load();
}

class ConcurrencyE2E : public ::testing::TestWithParam<const char*> {};

TEST_P(ConcurrencyE2E, ExactlyTheLimitPasses) {
  DaemonProcess daemon("server: { threads: 4 }\n");
  EXPECT_EQ(CountAllowed(daemon.port(), std::string(GetParam()) + ":100/minute"), 100);
  // Several rates at once: the tighter one binds, all or nothing.
  EXPECT_EQ(CountAllowed(daemon.port(), std::string(GetParam()) + ":100/minute;40/hour"), 40);
}

INSTANTIATE_TEST_SUITE_P(Strategies, ConcurrencyE2E,
                         ::testing::Values("fixed-window", "moving-window",
                                           "sliding-window-counter"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
                           return name;
                         });

}  // namespace
}  // namespace limitsd::e2e
