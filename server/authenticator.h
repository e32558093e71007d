#pragma once
// Authentication on one I/O thread. Checks credentials against the password of the
// configuration this thread runs (server.password, kept by its Generation: a reload may set,
// change or remove it; without one every request is let in), counts each refusal by door and
// reason, and logs refusals without any secret: at most one line per kLogInterval on a
// thread, which says how many were refused since the line before.
//
// With server.admin_password set, rights are separate: RESET/CLEAR, inline limits and
// CL.THROTTLE (limits a client states itself) need a client that authenticated with it;
// server.password (or, without one, no credentials) allows decisions on configured limits.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/request.h"
#include "server/metrics.h"

namespace limitsd::server {

class Decider;
class Password;

/// What a client's credentials let it do.
enum class Role : std::uint8_t {
  kNone,    ///< wrong or no credentials
  kClient,  ///< server.password: decisions on configured limits
  kAdmin,   ///< server.admin_password: everything
};

class Authenticator {
 public:
  static constexpr std::chrono::seconds kLogInterval{10};

  /// `decider`: this thread's, whose generation holds the passwords.
  Authenticator(const Decider& decider, ThreadMetrics& metrics);

  /// Whether server.password is configured, so that every request needs credentials.
  bool Required() const noexcept;
  /// Whether server.admin_password is configured, so that some requests need it.
  bool AdminRequired() const noexcept;
  /// Whether either password is configured, so that AUTH has something to check.
  bool Configured() const noexcept { return Required() || AdminRequired(); }
  /// Which password `candidate` is: kAdmin for server.admin_password, kClient for
  /// server.password, kNone for neither (or none configured). Both are compared whatever
  /// the outcome, so the time taken tells nothing. A wrong one is counted, and logged, for
  /// `door` (a Protocol's value or kAdminDoor).
  Role Check(std::string_view candidate, std::size_t door);
  /// Counts, and logs, a request refused for `reason` on `door`.
  void Refuse(std::size_t door, AuthFailure reason);

  /// Whether `verb` on the limit token `limit` needs server.admin_password: RESET/CLEAR,
  /// CL.THROTTLE and inline limits do.
  static bool NeedsAdmin(protocol::Verb verb, std::string_view limit) noexcept;
  /// Whether a client with `role` may run `verb` on `limit`: always when no admin password
  /// is configured. A refusal is counted (as a request of `verb` answered with noperm, and
  /// as an auth failure) and logged; NoPermission() then says what to answer.
  bool Permits(Role role, Protocol door, protocol::Verb verb, std::string_view limit);
  /// The message of a noperm answer to `verb` on `limit`; `how` says how to send the admin
  /// password on that door.
  static std::string NoPermission(protocol::Verb verb, std::string_view how);

 private:
  const Password* password() const noexcept;
  const Password* admin_password() const noexcept;

  const Decider& decider_;
  ThreadMetrics& metrics_;
  std::chrono::steady_clock::time_point last_log_{};
  std::uint64_t unlogged_ = 0;  ///< refusals since the last line
};

}  // namespace limitsd::server
