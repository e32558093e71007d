// Start-up, --check, signals and timeouts of the real binary.

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <vector>

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

// The lines of `out` that name `file`, in order.
std::vector<std::string> LinesAbout(const std::string& out, const std::string& file) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.find(file) != std::string::npos) lines.push_back(line);
  }
  return lines;
}

TEST(LifecycleE2E, CheckReportsEveryErrorAtOnceInFileOrder) {
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
  EXPECT_EQ(code, 1);
  // A key typo hides nothing: the storage, rate and strategy errors come with it, by line.
  const std::vector<std::string> lines = LinesAbout(out, "config.yaml:");
  ASSERT_EQ(lines.size(), 4u) << out;
  EXPECT_NE(lines[0].find("config.yaml:2:8: unknown storage scheme 'nosuch'"), std::string::npos)
      << out;
  EXPECT_NE(lines[0].find("memory"), std::string::npos) << out;  // lists the known schemes
  EXPECT_NE(lines[1].find("config.yaml:5:"), std::string::npos) << out;
  EXPECT_NE(lines[1].find("parsec"), std::string::npos) << out;
  EXPECT_NE(lines[2].find("config.yaml:6:"), std::string::npos) << out;
  EXPECT_NE(lines[2].find("leaky-bucket"), std::string::npos) << out;
  EXPECT_NE(lines[3].find("config.yaml:7:1"), std::string::npos) << out;
  EXPECT_NE(lines[3].find("serverr"), std::string::npos) << out;
  EXPECT_NE(out.find("the configuration has 4 error(s)"), std::string::npos) << out;
}

// A scheme left empty is not an unknown scheme: the URI does not parse, and says so.
TEST(LifecycleE2E, CheckReportsAnEmptySchemeAsUnparsable) {
  testing::TempDir dir;
  const std::string path = WriteConfig(dir, "storage:\n  uri: \"://localhost:6379\"\n");
  const auto [code, out] = RunLimitsd({"--check", "--config", path});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("config.yaml:2:8: Unable to parse storage uri ://localhost:6379"),
            std::string::npos)
      << out;
}

// Storage options and URIs are checked by --check, where they were written, and start-up
// refuses the same file with the same report.
TEST(LifecycleE2E, CheckFindsWhatStartUpWouldRefuse) {
  struct Case {
    std::string yaml;
    std::string where;
    std::string what;
  };
  const std::vector<Case> cases{
      {"storage:\n  uri: memory://\n  options:\n    keyprefix: x\n", "config.yaml:4:5",
       "unknown memory storage option 'keyprefix'"},
      {"storage:\n  uri: redis://127.0.0.1:1\n  options: { keyprefix: x }\n", "config.yaml:3:14",
       "unknown redis storage option 'keyprefix'"},
      {"storage:\n  uri: memory://\n  options: { shards: 0 }\n", "config.yaml:3:14",
       "'shards' must be an integer from 1"},
      {"storage:\n  uri: redis://127.0.0.1:1\n  options: { pool_size: 0 }\n", "config.yaml:3:14",
       "'pool_size' must be an integer from 1 to 64"},
      {"storage:\n  uri: \"memcached://127.0.0.1:1?timeout=5\"\n", "config.yaml:2:8",
       "memcached takes no URI query"},
      {"storage:\n  uri: redis+sentinel://127.0.0.1:1\n", "config.yaml:2:8",
       "sentinel service name is missing"},
  };
  for (const Case& c : cases) {
    testing::TempDir dir;
    const std::string path = WriteConfig(dir, c.yaml);
    const auto [code, out] = RunLimitsd({"--check", "--config", path});
    EXPECT_EQ(code, 1) << c.yaml << out;
    const std::vector<std::string> lines = LinesAbout(out, "config.yaml:");
    ASSERT_EQ(lines.size(), 1u) << c.yaml << out;
    EXPECT_NE(lines[0].find(c.where + ": "), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find(c.what), std::string::npos) << lines[0];
    const auto [start_code, start_out] =
        RunLimitsd({"--config", path, "--listen", "127.0.0.1:" + std::to_string(testing::FreePort())});
    EXPECT_EQ(start_code, 1) << start_out;
    EXPECT_EQ(LinesAbout(start_out, "config.yaml:"), lines) << start_out;
  }
}

TEST(LifecycleE2E, SeveralStorageProblemsAreReportedTogether) {
  testing::TempDir dir;
  const std::string path = WriteConfig(dir,
                                       "storage:\n"
                                       "  uri: redis://127.0.0.1:1\n"
                                       "  options:\n"
                                       "    pool_size: 0\n"
                                       "    keyprefix: x\n"
                                       "limits:\n"
                                       "  api: { rate: \"10/parsec\" }\n");
  const auto [code, out] = RunLimitsd({"--check", "--config", path});
  EXPECT_EQ(code, 1);
  const std::vector<std::string> lines = LinesAbout(out, "config.yaml:");
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_NE(lines[0].find("config.yaml:4:5: "), std::string::npos) << out;
  EXPECT_NE(lines[1].find("config.yaml:5:5: "), std::string::npos) << out;
  EXPECT_NE(lines[2].find("config.yaml:7:"), std::string::npos) << out;
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
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--frobnicate"}, {"--config"}, {"stray.yaml"},
                                             {"--log-level", "loud"}}) {
    const auto [code, out] = RunLimitsd(args);
    EXPECT_EQ(code, 2) << out;
    // The flag (or argument) at fault is named, in a short message without the usage text.
    EXPECT_NE(out.find(args.front().substr(args.front().starts_with("--") ? 2 : 0)),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("Usage:"), std::string::npos) << out;
    EXPECT_LE(std::count(out.begin(), out.end(), '\n'), 2) << out;
  }
}

// Connects to the unix socket `path`; -1 while nothing accepts there.
int ConnectUnix(const std::string& path) {
  sockaddr_un address{};
  if (path.size() >= sizeof(address.sun_path)) return -1;
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(LifecycleE2E, ListenOnAUnixSocket) {
  testing::TempDir dir;
  const std::string sock = (dir.path() / "limitsd.sock").string();
  // The TCP address DaemonProcess waits for is bound first: the socket follows it, a moment
  // later on a loaded machine.
  DaemonProcess daemon("", {"--listen", "unix:" + sock});
  int fd = -1;
  for (int tries = 0; tries < 500 && fd < 0; ++tries) {
    fd = ConnectUnix(sock);
    if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(fd, 0) << daemon.Log();
  const timeval five_seconds{5, 0};  // a daemon that does not answer fails the test, not hangs it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof(five_seconds));
  const std::string request = "HIT 2/minute u\n";
  ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string reply;
  char c = 0;
  while (reply.size() < 100 && ::read(fd, &c, 1) == 1 && c != '\n') reply.push_back(c);
  ::close(fd);
  EXPECT_EQ(reply, "OK 2 1 60000 0") << daemon.Log();
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
  EXPECT_NE(metrics.find("limitsd_decisions_total{limit=\"(inline)\",outcome=\"allowed\"} 1\n"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("limitsd_decisions_total{limit=\"(inline)\",outcome=\"denied\"} 1\n"),
            std::string::npos) << metrics;
  EXPECT_NE(HttpGet(admin, "/health").find("200 OK"), std::string::npos);
  EXPECT_NE(HttpGet(admin, "/nope").find("404"), std::string::npos);
}

}  // namespace
}  // namespace limitsd::e2e
