#pragma once
// What the daemon counts, exposed in the Prometheus text format on the admin endpoint
// (docs/operations.md lists every series). Decisions are counted, never logged one by one.
//
// Whatever is counted per request lives in a ThreadMetrics that one I/O thread writes and
// nobody else does: its counters are atomics written with a plain load and store (no locked
// instruction, no cache line shared between threads), read by the scrape from another
// thread and summed over the threads then. Per-connection counts (accepted, rejected, open)
// are shared atomics in Metrics: the listeners check max_connections against them.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "protocol/request.h"

namespace limitsd::server {

/// The front door a request came through: the `protocol` label.
enum class Protocol : std::uint8_t { kLine, kResp, kHttp, kGrpc };
inline constexpr std::size_t kProtocols = 4;
std::string_view ProtocolName(Protocol protocol) noexcept;

/// A counter written by one thread, read by any.
class Counter {
 public:
  void Add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t Get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// Durations in fixed buckets (seconds: 50 us to 2.5 s), written by one thread.
class Histogram {
 public:
  static constexpr std::array<std::int64_t, 15> kBoundsNs = {
      50'000,     100'000,     250'000,     500'000,       1'000'000,
      2'500'000,  5'000'000,   10'000'000,  25'000'000,    50'000'000,
      100'000'000, 250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000};

  /// Counts `n` observations of `duration` each.
  void Observe(std::chrono::nanoseconds duration, std::uint64_t n = 1) noexcept;
  /// Adds this histogram's counts to `buckets` (not cumulative; the last is +Inf), `sum_ns`
  /// and `count`.
  void AddTo(std::array<std::uint64_t, kBoundsNs.size() + 1>& buckets, std::uint64_t& sum_ns,
             std::uint64_t& count) const noexcept;

 private:
  std::array<Counter, kBoundsNs.size() + 1> buckets_;
  Counter sum_ns_;
  Counter count_;
};

/// The decisions of one limit (one `limit` label) on one thread.
struct LimitCounters {
  Counter allowed;
  Counter denied;
  Counter shadow;      ///< denied by the limit, allowed because it is in shadow mode
  Counter near_limit;  ///< allowed with 80% or more of the binding rate used
};

/// The request verbs and what became of each: the `verb` and `result` labels.
enum class RequestResult : std::uint8_t { kOk, kAllowed, kDenied, kError };
inline constexpr std::size_t kRequestResults = 4;
/// protocol::Verb's values, then one for a request the parser refused.
inline constexpr std::size_t kRequestVerbs = 10;
inline constexpr std::size_t kErrorCodes = 15;         ///< protocol::ErrorCode's values
inline constexpr std::size_t kStorageErrorKinds = 11;  ///< StorageErrc's values, then "other"

/// Why a request was refused for authentication: the `reason` label.
enum class AuthFailure : std::uint8_t {
  kMissing,  ///< no credentials (a request before AUTH, no Authorization)
  kWrong,    ///< a wrong password (or user, over RESP)
  kNoPerm,   ///< a request that needs server.admin_password from a client without it
};
inline constexpr std::size_t kAuthFailures = 3;
/// The front doors, then the admin port (POST /reload): the `protocol` label.
inline constexpr std::size_t kAuthDoors = kProtocols + 1;
inline constexpr std::size_t kAdminDoor = kProtocols;

/// What one I/O thread counts. Only that thread calls the counting methods.
class ThreadMetrics {
 public:
  /// A request answered, by protocol, verb and result.
  void Request(Protocol protocol, protocol::Verb verb, RequestResult result) noexcept {
    requests_[Index(protocol)][static_cast<std::size_t>(verb)][static_cast<std::size_t>(result)]
        .Add();
  }
  /// An ERR answer (from the parser or the decider), by its code.
  void Error(Protocol protocol, protocol::ErrorCode code) noexcept {
    errors_[Index(protocol)][static_cast<std::size_t>(code)].Add();
  }
  /// A request the parser refused (no verb): counted as a request with verb "invalid".
  void Rejected(Protocol protocol, protocol::ErrorCode code) noexcept {
    requests_[Index(protocol)][kRequestVerbs - 1][static_cast<std::size_t>(RequestResult::kError)]
        .Add();
    Error(protocol, code);
  }
  /// The time from reading requests to writing their replies, per request.
  void RequestLatency(Protocol protocol, std::chrono::nanoseconds d, std::uint64_t n = 1) noexcept {
    request_latency_[Index(protocol)].Observe(d, n);
  }
  void StorageLatency(std::chrono::nanoseconds d) noexcept { storage_latency_.Observe(d); }
  void StorageError(std::error_code error) noexcept;
  void LocalDecision() noexcept { local_decisions_.Add(); }
  /// Units on_error: local admitted, then added to the storage (`applied`) or not (`dropped`:
  /// the windows were full or had passed, or there were too many keys to remember).
  void HandBack(std::int64_t applied, std::int64_t dropped) noexcept {
    handed_back_.Add(static_cast<std::uint64_t>(applied));
    hand_back_dropped_.Add(static_cast<std::uint64_t>(dropped));
  }
  /// A request refused for authentication; `door` is a Protocol's value or kAdminDoor.
  void AuthFailed(std::size_t door, AuthFailure reason) noexcept {
    auth_failures_[door][static_cast<std::size_t>(reason)].Add();
  }
  /// Whether this thread's circuit breaker holds calls to the storage back.
  void BreakerOpen(bool open) noexcept { breaker_open_.store(open, std::memory_order_relaxed); }
  /// The counters of the limit labelled `label`, made on first use. Keep the reference:
  /// it stays valid as long as this object.
  LimitCounters& Limit(std::string_view label);

 private:
  friend class Metrics;
  static std::size_t Index(Protocol p) noexcept { return static_cast<std::size_t>(p); }

  std::array<std::array<std::array<Counter, kRequestResults>, kRequestVerbs>, kProtocols> requests_;
  std::array<std::array<Counter, kErrorCodes>, kProtocols> errors_;
  std::array<Histogram, kProtocols> request_latency_;
  Histogram storage_latency_;
  std::array<Counter, kStorageErrorKinds> storage_errors_;
  Counter local_decisions_;
  Counter handed_back_;
  Counter hand_back_dropped_;
  std::array<std::array<Counter, kAuthFailures>, kAuthDoors> auth_failures_;
  std::atomic<bool> breaker_open_{false};
  mutable std::mutex limits_mutex_;  // taken to add a limit, and by the scrape
  std::map<std::string, LimitCounters, std::less<>> limits_;
};

class Metrics {
 public:
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_rejected{0};  ///< over max_connections
  std::atomic<std::int64_t> connections_open{0};

  static void Add(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) noexcept {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  /// A new thread's counters (before the threads start); they live as long as this object.
  ThreadMetrics& AddThread();
  /// Adds series rendered elsewhere (reloads, storage internals) to every scrape.
  void AddSource(std::function<void(std::string&)> source);

  /// Every series in the Prometheus text format (version 0.0.4), threads summed.
  std::string Render() const;

 private:
  void RenderRequests(std::string& out) const;
  void RenderDecisions(std::string& out) const;
  void RenderLatency(std::string& out) const;
  void RenderStorage(std::string& out) const;
  void RenderAuth(std::string& out) const;

  std::deque<ThreadMetrics> threads_;
  std::vector<std::function<void(std::string&)>> sources_;
};

}  // namespace limitsd::server
