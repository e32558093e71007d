#include "server/envoy_limits.h"

#include <fmt/format.h>

#include "limits/granularity.h"
#include "limits/rate_parser.h"

namespace limitsd::server {
namespace {

using config::EnvoyRateLimit;
using config::EnvoyRule;

EnvoyUnit UnitFromName(std::string_view name) {
  if (name == "second") return EnvoyUnit::kSecond;
  if (name == "minute") return EnvoyUnit::kMinute;
  if (name == "hour") return EnvoyUnit::kHour;
  if (name == "day") return EnvoyUnit::kDay;
  if (name == "week") return EnvoyUnit::kWeek;
  if (name == "month") return EnvoyUnit::kMonth;
  if (name == "year") return EnvoyUnit::kYear;
  return EnvoyUnit::kUnknown;
}

// The unit that says exactly what `rate` is, or kUnknown.
EnvoyUnit UnitOf(const limits::RateLimitItem& rate) {
  const std::int64_t seconds = rate.ExpirySeconds();
  for (EnvoyUnit unit : {EnvoyUnit::kSecond, EnvoyUnit::kMinute, EnvoyUnit::kHour, EnvoyUnit::kDay,
                         EnvoyUnit::kWeek, EnvoyUnit::kMonth, EnvoyUnit::kYear}) {
    if (EnvoyUnitSeconds(unit) == seconds) return unit;
  }
  return EnvoyUnit::kUnknown;
}

class Builder {
 public:
  Builder(limits::StrategyKind default_strategy, const storage::Capabilities& capabilities,
          config::Diagnostics& errors)
      : default_strategy_(default_strategy), capabilities_(capabilities), errors_(errors) {}

  EnvoyRuleLimit Build(const EnvoyRule& rule) {
    EnvoyRuleLimit out;
    if (!rule.rate_limit) return out;
    const EnvoyRateLimit& rl = *rule.rate_limit;
    if (rl.unlimited) {
      out.unlimited = true;
      return out;
    }
    std::optional<limits::StrategyKind> kind = Strategy(rule, rl);
    std::vector<limits::RateLimitItem> rates;
    if (!rl.rate.empty()) {
      limits::RateParseResult parsed = limits::ParseRates(rl.rate);
      if (!parsed.ok()) return Error(rule.file, rl.rate_mark, parsed.error), out;
      rates = std::move(parsed.items);
      for (const limits::RateLimitItem& rate : rates) {
        const EnvoyUnit unit = UnitOf(rate);
        out.reported.push_back({unit == EnvoyUnit::kUnknown ? rate.ToString() : rl.name,
                                static_cast<std::uint32_t>(rate.amount()), unit});
      }
    } else {
      const EnvoyUnit unit = UnitFromName(rl.unit);
      out.reported.push_back({rl.name, rl.requests_per_unit, unit});
      if (rl.requests_per_unit == 0) {
        out.blocks = true;
        out.block_window_seconds = EnvoyUnitSeconds(unit);
        return out;
      }
      std::optional<limits::RateLimitItem> rate = EnvoyRate(rl.requests_per_unit, unit);
      if (!rate) {
        Error(rule.file, rl.mark,
              fmt::format("rule \"{}\": requests_per_unit {} is above limitsd's bound of {}",
                          rule.path, rl.requests_per_unit, limits::kMaxAmount));
        return out;
      }
      rates.push_back(*rate);
    }
    if (!kind) return out;
    out.limit = std::make_shared<const limits::Limit>("envoy", *kind, std::move(rates));
    return out;
  }

 private:
  std::optional<limits::StrategyKind> Strategy(const EnvoyRule& rule, const EnvoyRateLimit& rl) {
    if (rl.strategy.empty()) return Supported(rule, rl.mark, default_strategy_);
    std::optional<limits::StrategyKind> kind = limits::StrategyFromName(rl.strategy);
    if (!kind) {
      Error(rule.file, rl.strategy_mark,
            fmt::format("unknown strategy \"{}\" in rule \"{}\"; use fixed-window, "
                        "moving-window or sliding-window-counter",
                        rl.strategy, rule.path));
      return std::nullopt;
    }
    return Supported(rule, rl.strategy_mark, *kind);
  }

  std::optional<limits::StrategyKind> Supported(const EnvoyRule& rule, config::SourceMark mark,
                                                limits::StrategyKind kind) {
    if (capabilities_.Supports(kind)) return kind;
    Error(rule.file, mark,
          fmt::format("rule \"{}\" uses strategy {}, which the storage does not support (it "
                      "supports {}); choose another strategy or another storage",
                      rule.path, storage::StrategyName(kind), capabilities_.Describe()));
    return std::nullopt;
  }

  void Error(const std::string& file, config::SourceMark mark, std::string message) {
    errors_.push_back({file, mark.line, mark.column, std::move(message)});
  }

  limits::StrategyKind default_strategy_;
  const storage::Capabilities& capabilities_;
  config::Diagnostics& errors_;
};

}  // namespace

std::int64_t EnvoyUnitSeconds(EnvoyUnit unit) noexcept {
  switch (unit) {
    case EnvoyUnit::kSecond:
      return 1;
    case EnvoyUnit::kMinute:
      return 60;
    case EnvoyUnit::kHour:
      return 3600;
    case EnvoyUnit::kDay:
      return 86400;
    case EnvoyUnit::kWeek:
      return 7 * 86400;
    case EnvoyUnit::kMonth:
      return 30 * 86400;
    case EnvoyUnit::kYear:
      return 365 * 86400;
    case EnvoyUnit::kUnknown:
      break;
  }
  return 0;
}

std::optional<limits::RateLimitItem> EnvoyRate(std::uint32_t requests_per_unit, EnvoyUnit unit) {
  if (requests_per_unit == 0 || requests_per_unit > limits::kMaxAmount) return std::nullopt;
  const std::int64_t seconds = EnvoyUnitSeconds(unit);
  if (seconds == 0) return std::nullopt;
  // Whole units where limits has them (its month is 30 days too); days otherwise.
  for (std::string_view name : {"second", "minute", "hour", "day", "month"}) {
    const limits::Granularity* g = limits::GranularityFromString(name);
    if (g->seconds == seconds) return limits::RateLimitItem(requests_per_unit, 1, *g);
  }
  return limits::RateLimitItem(requests_per_unit, seconds / 86400,
                               *limits::GranularityFromString("day"));
}

std::shared_ptr<const EnvoyLimits> EnvoyLimits::Build(
    std::shared_ptr<const config::EnvoyRules> rules, limits::StrategyKind default_strategy,
    const storage::Capabilities& capabilities, config::Diagnostics& errors) {
  const std::size_t before = errors.size();
  auto out = std::make_shared<EnvoyLimits>();
  Builder builder(default_strategy, capabilities, errors);
  for (const EnvoyRule* rule : rules->rules()) out->limits_.push_back(builder.Build(*rule));
  out->rules_ = std::move(rules);
  if (errors.size() != before) return nullptr;
  return out;
}

}  // namespace limitsd::server
