// The daemon over real memcached servers: the same answers as memory://, with one and two
// servers; daemons sharing memcached agree; long and short windows are enforced.

#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"
#include "tests/e2e/scenario.h"
#include "tests/storage/memcached/memcached_server.h"

namespace limitsd::e2e {
namespace {

using storage::memcached::testing::MemcachedServer;
using storage::memcached::testing::UriOf;

std::string WithStorage(const std::string& uri) {
  return "storage: { uri: \"" + uri + "\", timeout_ms: 1000 }\n";
}

TEST(MemcachedE2E, SameAnswersAsMemoryOnOneAndTwoServers) {
  DaemonProcess memory("");
  const std::vector<std::string> expected = Scenario(memory.port());
  MemcachedServer one, two, three;
  DaemonProcess single(WithStorage(UriOf({&one})));
  EXPECT_EQ(Scenario(single.port()), expected) << "one server";
  DaemonProcess both(WithStorage(UriOf({&two, &three})));  // fresh servers: no state carried
  EXPECT_EQ(Scenario(both.port()), expected) << "two servers";
}

TEST(MemcachedE2E, TwoDaemonsSharingMemcachedAdmitExactlyTheLimit) {
  MemcachedServer one, two;
  const std::string config = WithStorage(UriOf({&one, &two})) + "server: { threads: 2 }\n";
  DaemonProcess a(config), b(config);
  for (const char* strategy : {"fixed-window", "moving-window", "sliding-window-counter"}) {
    EXPECT_EQ(CountAllowedOverTwo(a.port(), b.port(), std::string(strategy) + ":100/minute"), 100)
        << strategy;
  }
  // A bucket of 100 that gets one unit back every 36 s: the burst, exactly.
  EXPECT_EQ(CountAllowedOverTwo(a.port(), b.port(), "gcra:100/hour"), 100) << "gcra";
}

TEST(MemcachedE2E, LongAndShortWindowsAreEnforced) {
  MemcachedServer server;
  // Inline windows past a day need max_inline_window raised.
  DaemonProcess daemon(WithStorage(UriOf({&server})) + "max_inline_window: 31 days\n");
  LineClient c(daemon.port());
  for (const char* limit : {"fixed-window:2/31days", "sliding-window-counter:2/16days",
                            "moving-window:2/31days", "fixed-window:2/2seconds"}) {
    EXPECT_EQ(Fields(c.Ask(std::string("HIT ") + limit + " long")).at(0), "OK") << limit;
    EXPECT_EQ(Fields(c.Ask(std::string("HIT ") + limit + " long")).at(0), "OK") << limit;
    EXPECT_EQ(Fields(c.Ask(std::string("HIT ") + limit + " long")).at(0), "DENY") << limit;
  }
  // memcached's TTLs tick in whole seconds; the window's end lives in the value.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Fields(c.Ask("HIT fixed-window:2/2seconds long")).at(0), "DENY");
}

}  // namespace
}  // namespace limitsd::e2e
