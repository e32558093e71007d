#include "limits/limit.h"

#include "limits/rate_parser.h"

namespace limitsd::limits {
namespace {

// The strategy named before the first ':', if any.
std::optional<StrategyKind> StrategyPrefix(std::string_view token, std::size_t* colon) {
  const std::size_t pos = token.find(':');
  if (pos == std::string_view::npos) return std::nullopt;
  *colon = pos;
  return StrategyFromName(token.substr(0, pos));
}

strategy::RateParams ParamsOf(StrategyKind strategy, const RateLimitItem& rate,
                              std::int64_t burst) {
  if (strategy != StrategyKind::kGcra) return {rate.amount(), rate.Expiry(), storage::Micros{0}};
  return {burst > 0 ? burst : rate.amount(), rate.Expiry(), rate.Expiry() / rate.amount()};
}

}  // namespace

std::optional<std::string> CheckLimit(StrategyKind strategy,
                                      const std::vector<RateLimitItem>& rates,
                                      std::int64_t burst) {
  if (strategy != StrategyKind::kGcra) {
    if (burst != 0) return "burst applies to the gcra strategy only";
    return std::nullopt;
  }
  if (burst < 0 || burst > kMaxAmount) {
    return "burst " + std::to_string(burst) + " is out of range (1 to 1000000000)";
  }
  constexpr std::int64_t kMaxBucket = kMaxWindowSeconds * 1'000'000;
  for (const RateLimitItem& rate : rates) {
    const strategy::RateParams p = ParamsOf(strategy, rate, burst);
    if (p.interval.count() < 1) {
      return "gcra cannot run " + rate.ToString() +
             ": one unit every window / amount is below 1 microsecond";
    }
    if (static_cast<__int128>(p.limit) * p.interval.count() > kMaxBucket) {
      return "gcra cannot run " + rate.ToString() + " with burst " + std::to_string(p.limit) +
             ": burst x (window / amount) is above the longest window (10 years)";
    }
  }
  return std::nullopt;
}

bool IsLimitName(std::string_view token) noexcept {
  if (token.empty()) return false;
  auto head = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  auto tail = [&](char c) {
    return head(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
  };
  if (!head(token[0])) return false;
  for (char c : token.substr(1)) {
    if (!tail(c)) return false;
  }
  return true;
}

Limit::Limit(std::string name, StrategyKind strategy, std::vector<RateLimitItem> rates,
             std::int64_t burst)
    : name_(std::move(name)), strategy_(strategy), rates_(std::move(rates)), burst_(burst) {
  key_suffixes_.reserve(rates_.size());
  params_.reserve(rates_.size());
  for (const RateLimitItem& rate : rates_) {
    params_.push_back(ParamsOf(strategy_, rate, burst_));
    std::string suffix = "/";
    suffix += strategy::StrategyName(strategy_);
    suffix += '/';
    suffix += rate.KeySuffix();
    key_suffixes_.push_back(std::move(suffix));
  }
  std::vector<storage::RateQuery> queries;
  queries.reserve(params_.size());
  for (const strategy::RateParams& p : params_) {
    queries.push_back(storage::RateQuery{{}, strategy_, p.limit, p.window, p.interval});
  }
  keys_ = storage::LimitKeys(name_, key_suffixes_, queries);
}

std::size_t Limit::StorageKeysSize(std::string_view key) const noexcept {
  std::size_t size = 0;
  for (std::size_t i = 0; i < key_suffixes_.size(); ++i) size += StorageKeySize(key, i);
  return size;
}

std::string Limit::Describe() const {
  std::string text;
  for (const RateLimitItem& rate : rates_) {
    if (!text.empty()) text += "; ";
    text += rate.ToString();
  }
  text += " (" + std::string(strategy::StrategyName(strategy_));
  if (burst_ > 0) text += ", burst " + std::to_string(burst_);
  return text + ")";
}

bool LooksInline(std::string_view token) noexcept {
  if (token.empty()) return false;
  if (token[0] >= '0' && token[0] <= '9') return true;
  return token.find(':') != std::string_view::npos;
}

InlineLimitResult ParseInlineLimit(std::string_view token, StrategyKind default_strategy) {
  StrategyKind strategy = default_strategy;
  std::string_view rates = token;
  std::size_t colon = 0;
  if (const auto prefix = StrategyPrefix(token, &colon)) {
    strategy = *prefix;
    rates = token.substr(colon + 1);
  } else if (token.find(':') != std::string_view::npos && !(token[0] >= '0' && token[0] <= '9')) {
    return {std::nullopt, "unknown strategy '" + std::string(token.substr(0, colon)) +
                              "' in '" + std::string(token) + "'; strategies: " +
                              strategy::StrategyNames()};
  }
  RateParseResult parsed = ParseRates(rates);
  if (!parsed.ok()) return {std::nullopt, std::move(parsed.error)};
  if (auto problem = CheckLimit(strategy, parsed.items, 0)) return {std::nullopt, *problem};
  return {Limit(std::string(token), strategy, std::move(parsed.items)), {}};
}

}  // namespace limitsd::limits
