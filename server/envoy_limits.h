#pragma once
// The limits behind envoyproxy/ratelimit rules: one limits::Limit per rule with a
// rate_limit, built and checked once at start-up (rates, strategies, what the storage
// supports), and what the gRPC service reports for it in a response's `current_limit`.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/envoy_rules.h"
#include "limits/limit.h"
#include "storage/capabilities.h"
#include "storage/storage_registry.h"

namespace limitsd::server {

/// Units as RateLimitResponse.RateLimit.Unit numbers them.
enum class EnvoyUnit : int {
  kUnknown = 0,
  kSecond = 1,
  kMinute = 2,
  kHour = 3,
  kDay = 4,
  kMonth = 5,
  kYear = 6,
  kWeek = 7
};

/// What a response says about one rate of a rule.
struct ReportedRate {
  std::string name;  ///< the rule's name; the exact rate when `unit` cannot express it
  std::uint32_t requests_per_unit = 0;
  EnvoyUnit unit = EnvoyUnit::kUnknown;
};

struct EnvoyRuleLimit {
  /// Null when the rule is unlimited, blocks, or has no rate_limit.
  std::shared_ptr<const limits::Limit> limit;
  bool unlimited = false;
  /// requests_per_unit: 0: every request is over, without asking the storage.
  bool blocks = false;
  std::int64_t block_window_seconds = 0;
  std::vector<ReportedRate> reported;  ///< one per rate of `limit` (one when it blocks)
};

/// The window of a unit in seconds, as envoyproxy/ratelimit counts it (month 30 days,
/// year 365 days); 0 for kUnknown.
std::int64_t EnvoyUnitSeconds(EnvoyUnit unit) noexcept;
/// The rate "N per unit" as a limits rate; nullopt for kUnknown or N out of range.
std::optional<limits::RateLimitItem> EnvoyRate(std::uint32_t requests_per_unit, EnvoyUnit unit);

class EnvoyLimits {
 public:
  /// Checks every rule's rate and strategy against the storage's `capabilities` and
  /// builds its limit; problems go to `errors` with their file, line and column. Returns
  /// null when there was any.
  static std::shared_ptr<const EnvoyLimits> Build(std::shared_ptr<const config::EnvoyRules> rules,
                                                  limits::StrategyKind default_strategy,
                                                  const storage::Capabilities& capabilities,
                                                  config::Diagnostics& errors);

  const config::EnvoyRules& rules() const noexcept { return *rules_; }
  const EnvoyRuleLimit& For(const config::EnvoyRule& rule) const { return limits_[rule.id]; }

 private:
  std::shared_ptr<const config::EnvoyRules> rules_;
  std::vector<EnvoyRuleLimit> limits_;  ///< by rule id
};

}  // namespace limitsd::server
