// Storage plugins through the daemon: loaded from the YAML, serving the strategies their
// capabilities allow, with the same answers as memory://; clear start-up errors otherwise.

#include <gtest/gtest.h>

#include <fstream>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"
#include "tests/e2e/scenario.h"

namespace limitsd::e2e {
namespace {

std::string PluginConfig(const char* plugin, const char* uri, const std::string& extra = "") {
  return std::string("plugins: [\"") + plugin + "\"]\nstorage: { uri: \"" + uri +
         "\", timeout_ms: 1000 }\n" + extra;
}

TEST(PluginsE2E, AdvancedDatabaseServesEveryStrategyLikeMemory) {
  DaemonProcess memory("");
  DaemonProcess plugin(PluginConfig(LIMITSD_ADVANCEDDATABASE_PLUGIN, "advanceddatabase://localhost:42"));
  EXPECT_EQ(Scenario(plugin.port()), Scenario(memory.port()));
}

TEST(PluginsE2E, BasicDbServesFixedWindowsOnly) {
  DaemonProcess plugin(PluginConfig(LIMITSD_BASICDB_PLUGIN, "basicdb://localhost:42"));
  LineClient c(plugin.port());
  // The plugin's calls run on a thread pool: a few milliseconds may pass between them.
  for (const char* remaining : {"1", "0"}) {
    const auto f = Fields(c.Ask("HIT 2/minute k"));
    ASSERT_EQ(f.size(), 5u);
    EXPECT_EQ(f[0] + " " + f[1] + " " + f[2], std::string("OK 2 ") + remaining);
    EXPECT_GT(std::stoll(f[3]), 59000);
  }
  EXPECT_EQ(Fields(c.Ask("HIT 2/minute k")).at(0), "DENY");
  const auto unsupported = Fields(c.Ask("HIT moving-window:2/minute k"));
  ASSERT_GE(unsupported.size(), 2u);
  EXPECT_EQ(unsupported[0] + " " + unsupported[1], "ERR unsupported");
}

TEST(PluginsE2E, CheckNamesTheStrategyAndTheScheme) {
  testing::TempDir dir;
  const auto path = dir.path() / "limitsd.yaml";
  std::ofstream(path) << PluginConfig(LIMITSD_BASICDB_PLUGIN, "basicdb://localhost:42",
                                      "limits:\n  login: { rate: \"5/minute\", strategy: moving-window }\n");
  const auto [code, out] = RunLimitsd({"--check", "--config", path.string()});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("moving-window"), std::string::npos) << out;
  EXPECT_NE(out.find("basicdb"), std::string::npos) << out;
  EXPECT_NE(out.find("limitsd.yaml:4:"), std::string::npos) << out;  // the login limit
}

TEST(PluginsE2E, AMissingPluginFileIsNamed) {
  testing::TempDir dir;
  const auto path = dir.path() / "limitsd.yaml";
  std::ofstream(path) << PluginConfig("/nonexistent/libnothing.so", "memory://");
  const auto [code, out] = RunLimitsd({"--check", "--config", path.string()});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("/nonexistent/libnothing.so"), std::string::npos) << out;
}

}  // namespace
}  // namespace limitsd::e2e
