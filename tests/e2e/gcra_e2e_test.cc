// The gcra strategy through the real daemon: inline, named with a burst, and refused where
// its numbers cannot work. The other backends run it in the shared Scenario (scenario.cc).

#include <gtest/gtest.h>

#include <fstream>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"

namespace limitsd::e2e {
namespace {

// The verdict, limit and remaining exactly; reset_ms and retry_ms at most `reset` and
// `retry` and less only by the time the requests took (up to 5 s on a loaded machine).
void ExpectReply(const std::string& reply, const std::string& verdict, long long limit,
                 long long remaining, long long reset, long long retry) {
  const std::vector<std::string> f = Fields(reply);
  ASSERT_EQ(f.size(), 5u) << reply;
  EXPECT_EQ(f[0], verdict) << reply;
  EXPECT_EQ(std::stoll(f[1]), limit) << reply;
  EXPECT_EQ(std::stoll(f[2]), remaining) << reply;
  const auto near = [&](long long actual, long long expected) {
    if (expected <= 0) return actual == expected;
    return actual <= expected && actual > expected - 5000;
  };
  EXPECT_TRUE(near(std::stoll(f[3]), reset)) << reply << " reset " << reset;
  EXPECT_TRUE(near(std::stoll(f[4]), retry)) << reply << " retry " << retry;
}

TEST(GcraE2E, InlineAndNamedWithABurst) {
  DaemonProcess daemon(
      "limits:\n"
      "  bucket: { rate: \"2/minute\", strategy: gcra, burst: 4 }\n");
  LineClient c(daemon.port());
  // 3 per minute: one unit every 20 s, a bucket of 3.
  ExpectReply(c.Ask("HIT gcra:3/minute k 2"), "OK", 3, 1, 40000, 0);
  ExpectReply(c.Ask("TEST gcra:3/minute k 2"), "DENY", 3, 1, 40000, 20000);
  ExpectReply(c.Ask("HIT gcra:3/minute k"), "OK", 3, 0, 60000, 0);
  ExpectReply(c.Ask("HIT gcra:3/minute k 4"), "DENY", 3, 0, 60000, -1);
  EXPECT_EQ(c.Ask("RESET gcra:3/minute k"), "OK");
  EXPECT_EQ(c.Ask("STATS gcra:3/minute k"), "OK 3 3 0 0");
  // The named limit: 4 at once, then one every 30 s.
  for (int i = 3; i >= 0; --i) ExpectReply(c.Ask("HIT bucket k"), "OK", 4, i, (4 - i) * 30000, 0);
  ExpectReply(c.Ask("HIT bucket k"), "DENY", 4, 0, 120000, 30000);
  // More than a million units a second cannot be kept in whole microseconds.
  EXPECT_EQ(Fields(c.Ask("HIT gcra:2000000/second k")).at(1), "bad_rate");
}

TEST(GcraE2E, ABurstOnAnotherStrategyIsRefusedAtStartUp) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "limitsd.yaml").string();
  std::ofstream(path) << "limits:\n  api: { rate: \"5/minute\", burst: 9 }\n";
  const auto [status, output] = RunLimitsd({"--check", "--config", path});
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("burst applies to the gcra strategy only"), std::string::npos) << output;
}

}  // namespace
}  // namespace limitsd::e2e
