#pragma once
// Authentication on one I/O thread. Checks credentials against the password of the
// configuration this thread runs (server.password, kept by its Generation: a reload may set,
// change or remove it; without one every request is let in), counts each refusal by door and
// reason, and logs refusals without any secret: at most one line per kLogInterval on a
// thread, which says how many were refused since the line before.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/metrics.h"

namespace limitsd::server {

class Decider;
class Password;

class Authenticator {
 public:
  static constexpr std::chrono::seconds kLogInterval{10};

  /// `decider`: this thread's, whose generation holds the password.
  Authenticator(const Decider& decider, ThreadMetrics& metrics);

  /// Whether a password is configured, so that requests need credentials.
  bool Required() const noexcept;
  /// Whether `candidate` is the password (false when none is configured). A wrong one is
  /// counted, and logged, for `door` (a Protocol's value or kAdminDoor).
  bool Check(std::string_view candidate, std::size_t door);
  /// Counts, and logs, a request refused for `reason` on `door`.
  void Refuse(std::size_t door, AuthFailure reason);

 private:
  const Password* password() const noexcept;

  const Decider& decider_;
  ThreadMetrics& metrics_;
  std::chrono::steady_clock::time_point last_log_{};
  std::uint64_t unlogged_ = 0;  ///< refusals since the last line
};

}  // namespace limitsd::server
