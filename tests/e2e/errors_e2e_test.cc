// Every error code through the real daemon, and hostile input: the daemon answers each bad
// request with its ERR, keeps the connection usable when it can, and never falls over.

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"

namespace limitsd::e2e {
namespace {

std::string Code(const std::string& reply) {
  const auto f = Fields(reply);
  return f.size() >= 2 && f[0] == "ERR" ? f[1] : "<not an error: " + reply + ">";
}

class ErrorsE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    daemon_ = new DaemonProcess("allow_reset: false\nserver: { max_line_bytes: 512 }\n");
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  static DaemonProcess* daemon_;
};
DaemonProcess* ErrorsE2E::daemon_ = nullptr;

TEST_F(ErrorsE2E, EachBadRequestGetsItsCodeAndTheConnectionStaysUsable) {
  LineClient c(daemon_->port());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"HIT 5/minute", "syntax"},
      {"HIT 5/minute k 1 2", "syntax"},
      {"PING extra", "syntax"},
      {"FROB 5/minute k", "unknown_command"},
      {"HIT nosuchlimit k", "unknown_limit"},
      {"HIT foo:5/minute k", "bad_rate"},
      {"HIT bogus:10/second k", "bad_rate"},
      {"HIT 1/0seconds k", "bad_rate"},
      {"HIT 5/0minutes k", "bad_rate"},
      {"HIT 5/parsec k", "bad_rate"},
      {"HIT 0/second k", "bad_rate"},
      {"HIT moving-window:x k", "bad_rate"},
      {"HIT 5/minute " + std::string(257, 'k'), "bad_key"},
      {"HIT 5/minute k\x01y", "syntax"},
      {"HIT 5/minute k 0", "bad_cost"},
      {"HIT 5/minute k -1", "bad_cost"},
      {"HIT 5/minute k 1000000001", "bad_cost"},
      {"HIT 5/minute k 99999999999999999999999", "bad_cost"},
      {"HIT 5/minute k abc", "bad_cost"},
      {"RESET 5/minute k", "forbidden"},
  };
  for (const auto& [request, code] : cases) {
    EXPECT_EQ(Code(c.Ask(request)), code) << request;
    EXPECT_EQ(c.Ask("PING"), "PONG") << "after " << request;
  }
}

TEST_F(ErrorsE2E, ALineTooLongIsAnsweredThenTheConnectionCloses) {
  LineClient c(daemon_->port());
  c.Send("HIT 5/minute " + std::string(600, 'x'));  // no newline yet: found before it comes
  EXPECT_EQ(Code(c.ReadLine().value_or("")), "too_long");
  EXPECT_TRUE(c.ClosedByPeer());
  LineClient again(daemon_->port());
  EXPECT_EQ(again.Ask("PING"), "PONG");
}

TEST_F(ErrorsE2E, RandomBytesNeverBringItDown) {
  std::mt19937 rng(7);
  for (int round = 0; round < 30; ++round) {
    LineClient c(daemon_->port());
    std::string junk(1 + rng() % 3000, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    c.Send(junk);
    if (round % 3 == 0) c.Abort();
  }
  LineClient c(daemon_->port());
  EXPECT_EQ(c.Ask("PING"), "PONG");
}

TEST_F(ErrorsE2E, HalfLinesAndAbruptDisconnects) {
  {
    LineClient c(daemon_->port());
    c.Send("HIT 5/minute half");  // never finished
  }
  {
    LineClient c(daemon_->port());
    std::string burst;
    for (int i = 0; i < 1000; ++i) burst += "HIT 100000/minute gone\n";
    c.Send(burst);
    c.Abort();  // replies are never read
  }
  LineClient c(daemon_->port());
  c.Send("HIT 5/minute sp");
  c.Send("lit\n");
  EXPECT_EQ(c.ReadLine().value_or(""), "OK 5 4 60000 0");
}

TEST(ErrorsE2EConfig, OverloadedWhenOverMaxConnections) {
  DaemonProcess daemon("server: { max_connections: 1 }\n");
  // The start-up probe's connection may not be closed yet: retry until we hold the one slot.
  std::unique_ptr<LineClient> first;
  for (int attempt = 0; attempt < 50 && !first; ++attempt) {
    first = std::make_unique<LineClient>(daemon.port());
    if (first->Ask("PING") != "PONG") {
      first.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ASSERT_TRUE(first) << "never got a connection slot";
  LineClient second(daemon.port());
  EXPECT_EQ(Code(second.ReadLine().value_or("")), "overloaded");
  EXPECT_TRUE(second.ClosedByPeer());
  // A RESP client is refused in RESP.
  LineClient resp(daemon.port());
  resp.Send("*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(resp.ReadLine().value_or(""),
            "-ERR overloaded too many connections (server.max_connections); retry later\r");
  EXPECT_EQ(first->Ask("PING"), "PONG");
}

// A Redis nobody listens on: every decision fails, and storage.on_error says what then.
std::string DownRedis(const char* on_error) {
  return "storage: { uri: \"redis://127.0.0.1:" + std::to_string(testing::FreePort()) +
         "\", timeout_ms: 100, on_error: " + on_error + " }\n";
}

TEST(ErrorsE2EStorage, OnErrorError) {
  DaemonProcess daemon(DownRedis("error"));
  LineClient c(daemon.port());
  EXPECT_EQ(Code(c.Ask("HIT 5/minute k")), "storage");
  EXPECT_EQ(c.Ask("PING"), "PONG");
}

TEST(ErrorsE2EStorage, OnErrorAllowAndDeny) {
  DaemonProcess allow(DownRedis("allow"));
  EXPECT_EQ(LineClient(allow.port()).Ask("HIT 5/minute k"), "OK 5 5 0 0");
  DaemonProcess deny(DownRedis("deny"));
  EXPECT_EQ(LineClient(deny.port()).Ask("HIT 5/minute k"), "DENY 5 0 0 100");
}

TEST(ErrorsE2EStorage, OnErrorLocalDecidesOnMemory) {
  DaemonProcess daemon(DownRedis("local"));
  LineClient c(daemon.port());
  EXPECT_EQ(c.Ask("HIT 2/minute k"), "OK 2 1 60000 0");
  // The window started with the first hit: the second sees it a few ms later at most.
  const std::vector<std::string> second = Fields(c.Ask("HIT 2/minute k"));
  ASSERT_EQ(second.size(), 5u);
  EXPECT_EQ(second[0] + " " + second[1] + " " + second[2] + " " + second[4], "OK 2 0 0");
  EXPECT_GE(std::stol(second[3]), 59'000);
  EXPECT_LE(std::stol(second[3]), 60'000);
  EXPECT_EQ(Fields(c.Ask("HIT 2/minute k")).at(0), "DENY");
}

}  // namespace
}  // namespace limitsd::e2e
