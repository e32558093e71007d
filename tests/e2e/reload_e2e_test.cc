// Reloading the configuration of the real binary: SIGHUP, a change to the file (in place
// and by a Kubernetes-style symlink swap), POST /reload; under load, and with broken files.

#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/e2e/admin_client.h"
#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"

namespace limitsd::e2e {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

void Write(const fs::path& path, const std::string& text) {
  const fs::path temp = path.string() + ".tmp";
  std::ofstream(temp) << text;
  fs::rename(temp, path);  // as editors and config tools replace a file
}

/// Polls `probe` until it holds, for up to `limit`.
template <class Probe>
bool Eventually(Probe probe, milliseconds limit = seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (probe()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return probe();
}

/// The value of the sample `series` (name and labels as written) in a metrics page.
std::uint64_t Sample(const std::string& page, const std::string& series) {
  const auto at = page.find("\n" + series + " ");
  if (at == std::string::npos) {
    ADD_FAILURE() << series << " is not in:\n" << page;
    return 0;
  }
  return std::stoull(page.substr(at + series.size() + 2));
}

std::string Limits(const std::string& changing) {
  return "limits:\n"
         "  steady: { rate: \"1000000/minute\" }\n"
         "  kept: { rate: \"10/minute\" }\n"
         "  changing: { rate: \"" + changing + "\" }\n";
}

// Pipelined HITs on one connection until told to stop; every reply must be an OK.
class Load {
 public:
  explicit Load(std::uint16_t port) : client_(port), thread_([this] { Run(); }) {}
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int answered() const { return answered_; }
  const std::string& first_failure() const { return failure_; }

 private:
  void Run() {
    std::string batch;
    for (int i = 0; i < 16; ++i) batch += "HIT steady k" + std::to_string(i) + "\n";
    while (!stop_) {
      client_.Send(batch);
      for (int i = 0; i < 16; ++i) {
        const auto line = client_.ReadLine(seconds(5));
        if (!line || line->rfind("OK 1000000 ", 0) != 0) {
          if (failure_.empty()) failure_ = line.value_or("<no reply>");
          return;
        }
        ++answered_;
      }
    }
  }

  LineClient client_;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::string failure_;
  std::thread thread_;
};

TEST(ReloadE2E, SighupUnderLoadChangesALimitAndKeepsTheOthersCounters) {
  DaemonProcess daemon(Limits("2/minute") + "server: { threads: 2 }\n");
  LineClient c(daemon.port());
  for (int i = 0; i < 3; ++i) c.Ask("HIT kept k");
  // Every field but the reset, which may have moved on a slow run.
  const std::vector<std::string> kept = Fields(c.Ask("TEST kept k"));
  ASSERT_EQ(kept.size(), 5u);
  EXPECT_EQ(kept[0] + " " + kept[1] + " " + kept[2] + " " + kept[4], "OK 10 7 0");
  EXPECT_EQ(Fields(c.Ask("HIT changing k"))[1], "2");
  Load load(daemon.port());
  ASSERT_TRUE(Eventually([&] { return load.answered() > 1000; })) << load.first_failure();

  Write(daemon.config_path(), Limits("50/minute") + "server: { threads: 2 }\n");
  daemon.process().Signal(SIGHUP);
  // Every thread decides with the new rate (a changed rate starts fresh counters).
  ASSERT_TRUE(Eventually([&] { return Fields(c.Ask("TEST changing k"))[1] == "50"; }))
      << daemon.Log();
  EXPECT_EQ(Fields(c.Ask("TEST changing k"))[2], "50");
  LineClient other(daemon.port());  // very likely on the other I/O thread
  EXPECT_EQ(Fields(other.Ask("TEST changing k"))[1], "50");
  // Unchanged limits keep their counters.
  EXPECT_EQ(Fields(c.Ask("HIT kept k"))[2], "6");
  const int before = load.answered();
  ASSERT_TRUE(Eventually([&] { return load.answered() > before + 1000; }))
      << load.first_failure();
  load.Stop();
  EXPECT_EQ(load.first_failure(), "");
  // The file's replacement may have been reloaded by the directory watch first; the
  // SIGHUP's own reload then follows it.
  EXPECT_TRUE(Eventually([&] {
    return daemon.Log().find("configuration reloaded (SIGHUP)") != std::string::npos;
  })) << daemon.Log();
}

TEST(ReloadE2E, ABrokenFileKeepsTheRunningConfigAndReportsEveryError) {
  const std::uint16_t admin = testing::FreePort();
  const std::string admin_yaml = "admin: { listen: \"127.0.0.1:" + std::to_string(admin) + "\" }\n";
  DaemonProcess daemon(Limits("2/minute") + admin_yaml);
  LineClient c(daemon.port());
  c.Ask("HIT kept k");
  Write(daemon.config_path(), "limits:\n"
                              "  kept: { rate: \"10/fortnight\" }\n"
                              "  other: { rate: \"1/second\", strategy: leaky-bucket }\n" +
                                  admin_yaml);
  daemon.process().Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] {
    return daemon.Log().find("configuration reload (SIGHUP) failed") != std::string::npos;
  })) << daemon.Log();
  const std::string log = daemon.Log();
  EXPECT_NE(log.find("limitsd.yaml:2:"), std::string::npos) << log;
  EXPECT_NE(log.find("fortnight"), std::string::npos) << log;
  EXPECT_NE(log.find("limitsd.yaml:3:"), std::string::npos) << log;
  EXPECT_NE(log.find("leaky-bucket"), std::string::npos) << log;
  EXPECT_EQ(Fields(c.Ask("HIT kept k"))[2], "8") << "the running limits stay";
  EXPECT_EQ(c.Ask("HIT changing k").substr(0, 5), "OK 2 ");

  // The directory watch saw the broken file too, and fails its own reload after a debounce
  // (it may come after the SIGHUP's): the count is sampled once both have failed.
  ASSERT_TRUE(Eventually([&] {
    return daemon.Log().find("configuration reload (a watched file changed) failed") !=
           std::string::npos;
  })) << daemon.Log();
  const std::uint64_t failures = Sample(Http(admin, "GET", "/metrics").body,
                                        "limitsd_config_reloads_total{result=\"failure\"}");
  const HttpReply reply = Http(admin, "POST", "/reload");
  EXPECT_EQ(reply.status, 422) << reply.headers;
  EXPECT_NE(reply.body.find("fortnight"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("leaky-bucket"), std::string::npos) << reply.body;
  EXPECT_EQ(Sample(Http(admin, "GET", "/metrics").body,
                   "limitsd_config_reloads_total{result=\"failure\"}"),
            failures + 1);

  Write(daemon.config_path(), Limits("7/minute") + admin_yaml);
  const HttpReply ok = Http(admin, "POST", "/reload");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Fields(c.Ask("TEST changing k"))[1], "7");
  EXPECT_EQ(Http(admin, "GET", "/reload").status, 405);
}

TEST(ReloadE2E, FollowsAConfigMapSymlinkSwap) {
  // Kubernetes mounts a ConfigMap as FILE -> ..data/FILE, ..data -> ..<timestamp>/, and
  // updates it by pointing a new ..data at a new directory (one rename).
  testing::TempDir dir;
  const fs::path root = dir.path();
  fs::create_directory(root / "..v1");
  std::ofstream(root / "..v1" / "limitsd.yaml") << Limits("2/minute");
  fs::create_directory_symlink("..v1", root / "..data");
  fs::create_symlink("..data/limitsd.yaml", root / "limitsd.yaml");
  const std::uint16_t port = testing::FreePort();
  testing::ChildProcess daemon({LIMITSD_BINARY, "--config", (root / "limitsd.yaml").string(),
                                "--listen", "127.0.0.1:" + std::to_string(port)},
                               (root / "log").string());
  ASSERT_TRUE(testing::WaitForPort(port, seconds(10))) << testing::ReadFile(root / "log");
  LineClient c(port);
  EXPECT_EQ(Fields(c.Ask("TEST changing k"))[1], "2");

  fs::create_directory(root / "..v2");
  std::ofstream(root / "..v2" / "limitsd.yaml") << Limits("9/minute");
  fs::create_directory_symlink("..v2", root / "..data_tmp");
  fs::rename(root / "..data_tmp", root / "..data");
  EXPECT_TRUE(Eventually([&] { return Fields(c.Ask("TEST changing k"))[1] == "9"; }))
      << testing::ReadFile(root / "log");
  EXPECT_NE(testing::ReadFile(root / "log").find("configuration reloaded (a watched file changed)"),
            std::string::npos);
}

TEST(ReloadE2E, ReportsSettingsThatNeedARestart) {
  DaemonProcess daemon(Limits("2/minute"));
  Write(daemon.config_path(), Limits("3/minute") + "server: { max_connections: 5 }\n");
  daemon.process().Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] {
    return daemon.Log().find("configuration reloaded (SIGHUP)") != std::string::npos;
  })) << daemon.Log();
  const std::string log = daemon.Log();
  EXPECT_NE(log.find("server.max_connections changed (running 10000, file says 5), but only a "
                     "restart applies it"),
            std::string::npos)
      << log;
  LineClient c(daemon.port());
  EXPECT_EQ(Fields(c.Ask("TEST changing k"))[1], "3");
}

TEST(ReloadE2E, ANewStorageIsOpenedAndUsed) {
  DaemonProcess daemon(Limits("2/minute"));
  LineClient c(daemon.port());
  c.Ask("HIT kept k");
  EXPECT_EQ(Fields(c.Ask("TEST kept k"))[2], "9");
  // Other memory:// options make another store: counters start afresh there.
  Write(daemon.config_path(), Limits("2/minute") + "storage: { uri: \"memory://\", "
                                                   "options: { shards: \"8\" } }\n");
  daemon.process().Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] {
    return daemon.Log().find("configuration reloaded (SIGHUP)") != std::string::npos;
  })) << daemon.Log();
  EXPECT_NE(daemon.Log().find("storage memory:// opened"), std::string::npos) << daemon.Log();
  EXPECT_EQ(Fields(c.Ask("TEST kept k"))[2], "10");
}

}  // namespace
}  // namespace limitsd::e2e
