#include "server/authenticator.h"

#include <spdlog/spdlog.h>

#include "limits/limit.h"
#include "server/decider.h"
#include "server/password.h"

namespace limitsd::server {
namespace {

std::string_view DoorName(std::size_t door) {
  return door == kAdminDoor ? std::string_view("admin POST /reload")
                            : ProtocolName(static_cast<Protocol>(door));
}

}  // namespace

Authenticator::Authenticator(const Decider& decider, ThreadMetrics& metrics)
    : decider_(decider), metrics_(metrics) {}

const Password* Authenticator::password() const noexcept { return decider_.password(); }

bool Authenticator::Required() const noexcept { return password() != nullptr; }

const Password* Authenticator::admin_password() const noexcept { return decider_.admin_password(); }

bool Authenticator::AdminRequired() const noexcept { return admin_password() != nullptr; }

Role Authenticator::Check(std::string_view candidate, std::size_t door) {
  const Password* client = password();
  const Password* admin = admin_password();
  if (client == nullptr && admin == nullptr) return Role::kNone;
  const bool is_client = client != nullptr && client->Matches(candidate);
  const bool is_admin = admin != nullptr && admin->Matches(candidate);
  if (is_admin) return Role::kAdmin;
  if (is_client) return Role::kClient;
  Refuse(door, AuthFailure::kWrong);
  return Role::kNone;
}

bool Authenticator::NeedsAdmin(protocol::Verb verb, std::string_view limit) noexcept {
  return verb == protocol::Verb::kReset || verb == protocol::Verb::kThrottle ||
         limits::LooksInline(limit);
}

bool Authenticator::Permits(Role role, Protocol door, protocol::Verb verb, std::string_view limit) {
  if (role == Role::kAdmin || !NeedsAdmin(verb, limit) || !AdminRequired()) return true;
  metrics_.Request(door, verb, RequestResult::kError);
  metrics_.Error(door, protocol::ErrorCode::kNoPerm);
  Refuse(static_cast<std::size_t>(door), AuthFailure::kNoPerm);
  return false;
}

std::string Authenticator::NoPermission(protocol::Verb verb, std::string_view how) {
  const std::string what = verb == protocol::Verb::kReset      ? "RESET and CLEAR need"
                           : verb == protocol::Verb::kThrottle ? "CL.THROTTLE needs"
                                                               : "inline limits need";
  std::string message = what + " the admin password (server.admin_password): " + std::string(how);
  if (verb != protocol::Verb::kReset && verb != protocol::Verb::kThrottle) {
    message += ", or use a configured limit name";
  }
  return message;
}

void Authenticator::Refuse(std::size_t door, AuthFailure reason) {
  metrics_.AuthFailed(door, reason);
  ++unlogged_;
  const auto now = std::chrono::steady_clock::now();
  if (last_log_ != std::chrono::steady_clock::time_point{} && now - last_log_ < kLogInterval) {
    return;
  }
  spdlog::warn(
      "authentication failed on {}: {} ({} refused on this thread since the last such "
      "line; limitsd_auth_failures_total counts them all)",
      DoorName(door),
      reason == AuthFailure::kWrong    ? "wrong password"
      : reason == AuthFailure::kNoPerm ? "a request that needs server.admin_password, from a "
                                         "client without it"
                                       : "no credentials",
      unlogged_);
  last_log_ = now;
  unlogged_ = 0;
}

}  // namespace limitsd::server
