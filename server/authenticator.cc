#include "server/authenticator.h"

#include <spdlog/spdlog.h>

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

bool Authenticator::Check(std::string_view candidate, std::size_t door) {
  const Password* expected = password();
  if (expected == nullptr) return false;
  if (expected->Matches(candidate)) return true;
  Refuse(door, AuthFailure::kWrong);
  return false;
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
      DoorName(door), reason == AuthFailure::kWrong ? "wrong password" : "no credentials",
      unlogged_);
  last_log_ = now;
  unlogged_ = 0;
}

}  // namespace limitsd::server
