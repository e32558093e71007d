// What the daemon holds for its clients: memory per connection.

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"

namespace limitsd::e2e {
namespace {

// Raises the soft limit on open files (inherited by the daemon the test starts).
bool RaiseOpenFileLimit(rlim_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= wanted) return true;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) return false;
  limit.rlim_cur = wanted;
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

// The documented bound (docs/configuration.md, max_connections): 10,000 idle connections
// fit in 100 MB, even with the largest max_line_bytes and after some of them sent requests
// of nearly that size. Under a sanitizer only the connections are checked.
TEST(ResourcesE2E, TenThousandIdleConnectionsStayUnderOneHundredMegabytes) {
  constexpr int kConnections = 10000;
  ASSERT_TRUE(RaiseOpenFileLimit(kConnections + 256))
      << "this test needs RLIMIT_NOFILE of at least " << kConnections + 256
      << " (raise the hard limit: ulimit -Hn)";
  DaemonProcess daemon("server: { max_connections: 10100, max_line_bytes: 16777216 }\n");
  std::vector<std::unique_ptr<LineClient>> clients;
  clients.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<LineClient>(daemon.port()));
    clients.back()->Send("PING\n");
  }
  for (auto& client : clients) ASSERT_EQ(client->ReadLine(), "PONG");
  // Large requests make their connections' buffers grow; once answered, they shrink back.
  const std::string huge_key(12 << 20, 'k');
  for (int i = 0; i < 8; ++i) {
    clients[i]->Send("HIT 1/second " + huge_key + "\n");
    const auto reply = clients[i]->ReadLine(std::chrono::seconds(30));
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->rfind("ERR bad_key", 0), 0u) << *reply;
    EXPECT_EQ(clients[i]->Ask("PING"), "PONG");
  }
  const long long rss = ResidentBytes(daemon.process().pid());
  ASSERT_GT(rss, 0);
  std::cout << "daemon RSS with " << kConnections << " idle connections: " << rss / 1024
            << " KiB\n";
  if (kResidentSetMeansSomething) {
    EXPECT_LT(rss, 100LL * 1000 * 1000);
  }
}

}  // namespace
}  // namespace limitsd::e2e
