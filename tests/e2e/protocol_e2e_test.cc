// The line protocol through the real daemon: replies, pipelining, named limits, strategies.

#include <gtest/gtest.h>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"

namespace limitsd::e2e {
namespace {

const char* kConfig = R"(
limits:
  api:   { rate: "2/minute", strategy: moving-window }
  burst: { rate: "1/second;3/minute" }
)";

class ProtocolE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { daemon_ = new DaemonProcess(kConfig); }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  static DaemonProcess* daemon_;
};
DaemonProcess* ProtocolE2E::daemon_ = nullptr;

TEST_F(ProtocolE2E, TheReadmeExample) {
  LineClient c(daemon_->port());
  c.Send("HIT 3/minute u\nHIT 3/minute u\nHIT 3/minute u\nHIT 3/minute u\n");
  for (const char* remaining : {"2", "1", "0"}) {
    const auto line = c.ReadLine();
    ASSERT_TRUE(line);
    const auto f = Fields(*line);
    ASSERT_EQ(f.size(), 5u) << *line;
    EXPECT_EQ(f[0], "OK");
    EXPECT_EQ(f[1], "3");
    EXPECT_EQ(f[2], remaining);
    EXPECT_EQ(f[4], "0");
    // The window started at the first hit: reset_ms is at most 60000.
    EXPECT_LE(std::stoll(f[3]), 60000);
    EXPECT_GT(std::stoll(f[3]), 59000);
  }
  const auto deny = Fields(c.ReadLine().value_or(""));
  ASSERT_EQ(deny.size(), 5u);
  EXPECT_EQ(deny[0], "DENY");
  EXPECT_EQ(deny[2], "0");
  EXPECT_EQ(deny[3], deny[4]);  // fixed window: retry when the window ends
}

TEST_F(ProtocolE2E, PipelinedRepliesComeBackInOrder) {
  LineClient c(daemon_->port());
  std::string burst;
  for (int i = 0; i < 500; ++i) burst += "HIT 1000/minute pipelined\n";
  c.Send(burst);
  for (int i = 0; i < 500; ++i) {
    const auto f = Fields(c.ReadLine().value_or(""));
    ASSERT_EQ(f.size(), 5u) << i;
    EXPECT_EQ(f[0], "OK");
    EXPECT_EQ(std::stoll(f[2]), 999 - i);
  }
}

TEST_F(ProtocolE2E, BlanksCaseAndLineEndings) {
  LineClient c(daemon_->port());
  c.Send("  hit\t5/minute   blanks  \r\n\n   \nPing\r\nsTaTs 5/minute blanks\n");
  EXPECT_EQ(Fields(c.ReadLine().value_or(""))[0], "OK");
  EXPECT_EQ(c.ReadLine().value_or(""), "PONG");  // the empty lines got no reply
  EXPECT_EQ(Fields(c.ReadLine().value_or("")).at(2), "4");
}

TEST_F(ProtocolE2E, NamedLimitsUseTheirStrategy) {
  LineClient c(daemon_->port());
  EXPECT_EQ(c.Ask("HIT api named"), "OK 2 1 60000 0");
  EXPECT_EQ(c.Ask("HIT api named"), "OK 2 0 60000 0");
  const auto f = Fields(c.Ask("HIT api named"));
  EXPECT_EQ(f.at(0), "DENY");
  EXPECT_GE(std::stoll(f.at(4)), 59000);  // moving window: the oldest unit leaves in ~60 s
  EXPECT_EQ(c.Ask("RESET api named"), "OK");
  EXPECT_EQ(c.Ask("HIT api named"), "OK 2 1 60000 0");
  EXPECT_EQ(c.Ask("CLEAR api named"), "OK");
}

TEST_F(ProtocolE2E, SeveralRatesReportTheBindingOne) {
  LineClient c(daemon_->port());
  EXPECT_EQ(Fields(c.Ask("HIT burst multi")).at(1), "1");
  const auto deny = Fields(c.Ask("HIT burst multi"));
  EXPECT_EQ(deny.at(0), "DENY");
  EXPECT_EQ(deny.at(1), "1");
  EXPECT_EQ(Fields(c.Ask("STATS burst multi")).at(0), "DENY");
}

TEST_F(ProtocolE2E, EachStrategyReportsResetAndRetry) {
  LineClient c(daemon_->port());
  for (const char* strategy : {"fixed-window", "moving-window", "sliding-window-counter"}) {
    const std::string limit = std::string(strategy) + ":2/10seconds";
    const auto first = Fields(c.Ask("HIT " + limit + " rr"));
    ASSERT_EQ(first.at(0), "OK") << strategy;
    c.Ask("HIT " + limit + " rr");
    const auto deny = Fields(c.Ask("HIT " + limit + " rr"));
    ASSERT_EQ(deny.at(0), "DENY") << strategy;
    const long long reset = std::stoll(deny.at(3)), retry = std::stoll(deny.at(4));
    EXPECT_GT(retry, 0) << strategy;
    EXPECT_LE(retry, 20001) << strategy;   // at most two windows (sliding)
    EXPECT_LE(reset, 20000) << strategy;   // sliding: the bucket after the newest hits
    EXPECT_GT(reset, 0) << strategy;
    const auto test = Fields(c.Ask("TEST " + limit + " rr 3"));
    EXPECT_EQ(test.at(4), "-1") << strategy;  // cost above the amount never passes
  }
}

TEST_F(ProtocolE2E, QuitSaysByeAndCloses) {
  LineClient c(daemon_->port());
  EXPECT_EQ(c.Ask("QUIT"), "BYE");
  EXPECT_TRUE(c.ClosedByPeer());
}

}  // namespace
}  // namespace limitsd::e2e
