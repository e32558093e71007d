#pragma once
// A real memcached process for tests, on 127.0.0.1, a free port and a temp dir.

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/test_support.h"

namespace limitsd::storage::memcached::testing {

class MemcachedServer {
 public:
  /// Starts memcached (fails the calling test if it is missing or does not listen).
  MemcachedServer();
  ~MemcachedServer();

  /// Stops the process (SIGTERM, then SIGKILL).
  void Stop();
  /// Starts it again on the same port; true when it listens.
  bool Start();
  /// Sends a signal (SIGSTOP / SIGCONT to freeze and thaw it); after SIGSTOP, returns once
  /// the process is stopped.
  void Signal(int sig);

  std::uint16_t port() const noexcept { return port_; }
  /// "127.0.0.1:<port>"
  std::string Location() const;

 private:
  limitsd::testing::TempDir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<limitsd::testing::ChildProcess> process_;
};

/// "memcached://" + the servers' locations, comma-separated.
std::string UriOf(const std::vector<const MemcachedServer*>& servers);

}  // namespace limitsd::storage::memcached::testing
