#pragma once
// Counters of what the daemon did; decisions are counted, never logged one by one.
// Relaxed atomics: readers want totals, not a consistent snapshot.

#include <atomic>
#include <cstdint>
#include <string>

namespace limitsd::server {

struct Metrics {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_rejected{0};  ///< over max_connections
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> allowed{0};
  std::atomic<std::uint64_t> denied{0};
  std::atomic<std::uint64_t> errors{0};          ///< every ERR reply
  std::atomic<std::uint64_t> storage_errors{0};  ///< backend failures, whatever on_error did
  std::atomic<std::uint64_t> local_decisions{0};  ///< on_error: local

  static void Add(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) noexcept {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  /// Prometheus text format.
  std::string Render() const;
};

}  // namespace limitsd::server
