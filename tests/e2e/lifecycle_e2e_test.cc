// Start-up, --check, signals and timeouts of the real binary.

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"

namespace limitsd::e2e {
namespace {

std::string WriteConfig(const testing::TempDir& dir, const std::string& yaml) {
  const auto path = dir.path() / "config.yaml";
  std::ofstream(path) << yaml;
  return path.string();
}

TEST(LifecycleE2E, SigtermFinishesInFlightRequestsAndExitsZero) {
  DaemonProcess daemon("");
  LineClient c(daemon.port());
  std::string burst;
  for (int i = 0; i < 2000; ++i) burst += "HIT 1000000/minute term\n";
  c.Send(burst);
  ASSERT_TRUE(c.ReadLine());  // the daemon is working on the burst
  daemon.process().Signal(SIGTERM);
  int answered = 1;
  while (c.ReadLine(std::chrono::seconds(5))) ++answered;
  EXPECT_EQ(answered, 2000);  // every request read before the signal was answered
  const int status = daemon.process().Wait(std::chrono::seconds(15));
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(daemon.Log().find("stopped"), std::string::npos) << daemon.Log();
}

TEST(LifecycleE2E, IdleConnectionsAreClosed) {
  DaemonProcess daemon("server: { idle_timeout_ms: 300 }\n");
  LineClient c(daemon.port());
  EXPECT_EQ(c.Ask("PING"), "PONG");
  EXPECT_TRUE(c.ClosedByPeer(std::chrono::seconds(5)));
}

TEST(LifecycleE2E, CheckReportsEveryErrorWithItsPosition) {
  testing::TempDir dir;
  const std::string path = WriteConfig(dir,
                                       "storage:\n"
                                       "  uri: nosuch://x\n"
                                       "strategy: fixed-window\n"
                                       "limits:\n"
                                       "  api: { rate: \"10/parsec\" }\n"
                                       "  ok: { rate: \"1/second\", strategy: leaky-bucket }\n"
                                       "serverr: {}\n");
  const auto [code, out] = RunLimitsd({"--check", "--config", path});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("config.yaml:7:1"), std::string::npos) << out;  // unknown key
  EXPECT_NE(out.find("serverr"), std::string::npos) << out;
  // The semantic checks run when the file itself is well-formed: fix the key and retry.
  const std::string fixed = WriteConfig(dir,
                                        "storage:\n"
                                        "  uri: nosuch://x\n"
                                        "limits:\n"
                                        "  api: { rate: \"10/parsec\" }\n"
                                        "  ok: { rate: \"1/second\", strategy: leaky-bucket }\n");
  const auto [code2, out2] = RunLimitsd({"--check", "--config", fixed});
  EXPECT_NE(code2, 0);
  EXPECT_NE(out2.find("config.yaml:2:8"), std::string::npos) << out2;
  EXPECT_NE(out2.find("unknown storage scheme 'nosuch'"), std::string::npos) << out2;
  EXPECT_NE(out2.find("memory"), std::string::npos) << out2;  // lists the known schemes
  EXPECT_NE(out2.find("config.yaml:4:"), std::string::npos) << out2;
  EXPECT_NE(out2.find("parsec"), std::string::npos) << out2;
  EXPECT_NE(out2.find("config.yaml:5:"), std::string::npos) << out2;
  EXPECT_NE(out2.find("leaky-bucket"), std::string::npos) << out2;
}

TEST(LifecycleE2E, CheckAcceptsAGoodFile) {
  testing::TempDir dir;
  const std::string path = WriteConfig(
      dir, "limits:\n  api: { rate: \"100/minute;2000/hour\", strategy: sliding-window-counter }\n");
  const auto [code, out] = RunLimitsd({"--check", "--config", path});
  EXPECT_EQ(code, 0) << out;
}

TEST(LifecycleE2E, VersionHelpAndBadFlags) {
  EXPECT_EQ(RunLimitsd({"--version"}).first, 0);
  EXPECT_NE(RunLimitsd({"--version"}).second.find("limitsd"), std::string::npos);
  EXPECT_EQ(RunLimitsd({"--help"}).first, 0);
  const auto [code, out] = RunLimitsd({"--frobnicate"});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("frobnicate"), std::string::npos) << out;
}

TEST(LifecycleE2E, ListenOnAUnixSocket) {
  testing::TempDir dir;
  const std::string sock = (dir.path() / "limitsd.sock").string();
  DaemonProcess daemon("", {"--listen", "unix:" + sock});
  EXPECT_TRUE(std::filesystem::exists(sock)) << daemon.Log();
}

std::string HttpGet(std::uint16_t port, const std::string& path) {
  LineClient c(port);
  c.Send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  std::string all;
  while (auto line = c.ReadLine(std::chrono::seconds(5))) all += *line + "\n";
  return all;
}

TEST(LifecycleE2E, AdminEndpointServesMetricsAndHealth) {
  const std::uint16_t admin = testing::FreePort();
  DaemonProcess daemon("admin: { listen: \"127.0.0.1:" + std::to_string(admin) + "\" }\n");
  LineClient c(daemon.port());
  c.Ask("HIT 1/minute m");
  c.Ask("HIT 1/minute m");
  ASSERT_TRUE(testing::WaitForPort(admin, std::chrono::seconds(5)));
  const std::string metrics = HttpGet(admin, "/metrics");
  EXPECT_NE(metrics.find("200 OK"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("limitsd_decisions_allowed_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("limitsd_decisions_denied_total 1"), std::string::npos) << metrics;
  EXPECT_NE(HttpGet(admin, "/health").find("200 OK"), std::string::npos);
  EXPECT_NE(HttpGet(admin, "/nope").find("404"), std::string::npos);
}

}  // namespace
}  // namespace limitsd::e2e
