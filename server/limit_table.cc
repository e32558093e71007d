#include "server/limit_table.h"

namespace limitsd::server {

LimitTable::LimitTable(std::shared_ptr<const NamedLimits> named,
                       limits::StrategyKind default_strategy, bool allow_inline,
                       std::function<bool(limits::StrategyKind)> supports)
    : named_(std::move(named)),
      default_strategy_(default_strategy),
      allow_inline_(allow_inline),
      supports_(std::move(supports)) {}

void LimitTable::Replace(std::shared_ptr<const NamedLimits> named,
                         limits::StrategyKind default_strategy, bool allow_inline,
                         std::function<bool(limits::StrategyKind)> supports) {
  named_ = std::move(named);
  default_strategy_ = default_strategy;
  allow_inline_ = allow_inline;
  supports_ = std::move(supports);
  last_ = nullptr;
  inline_cache_.clear();
}

void LimitTable::SetMaxInlineWindow(std::int64_t seconds, std::string text) {
  if (seconds == max_inline_window_seconds_ && text == max_inline_window_text_) return;
  max_inline_window_seconds_ = seconds;
  max_inline_window_text_ = std::move(text);
  last_ = nullptr;
  inline_cache_.clear();
}

std::optional<std::string> LimitTable::InlineWindowProblem(std::string_view what,
                                                           std::int64_t lifetime_seconds) const {
  if (lifetime_seconds <= max_inline_window_seconds_) return std::nullopt;
  return std::string(what) + ": a window of " + std::to_string(lifetime_seconds) +
         " s is longer than max_inline_window (" + max_inline_window_text_ + ", " +
         std::to_string(max_inline_window_seconds_) +
         " s); use a configured limit, or raise max_inline_window";
}

namespace {

Resolution Refused(protocol::ErrorCode error, std::string message) {
  Resolution r;
  r.error = error;
  r.message = std::move(message);
  return r;
}

}  // namespace

Resolution LimitTable::Resolve(std::string_view token) {
  if (last_ != nullptr && token == last_token_) return Found(*last_);
  // A configured name never looks inline (it starts with a letter or '_' and has no ':'),
  // so each token is looked up in one map only.
  if (!limits::LooksInline(token)) {
    if (const auto it = named_->find(token); it != named_->end()) {
      return Remember(token, it->second);
    }
    return Refused(protocol::ErrorCode::kUnknownLimit,
                   "no limit named '" + std::string(token) + "' is configured");
  }
  if (!allow_inline_) {
    return Refused(protocol::ErrorCode::kUnknownLimit,
                   "inline limits are disabled (allow_inline_limits: false); use a configured "
                   "name");
  }
  return ResolveInline(token);
}

const limits::Limit* LimitTable::Find(std::string_view token) const noexcept {
  if (last_ != nullptr && token == last_token_) return last_->get();
  const NamedLimits& map = limits::LooksInline(token) ? inline_cache_ : *named_;
  if (&map == &inline_cache_ && !allow_inline_) return nullptr;
  const auto it = map.find(token);
  return it == map.end() ? nullptr : it->second.get();
}

Resolution LimitTable::ResolveInline(std::string_view token) {
  if (const auto it = inline_cache_.find(token); it != inline_cache_.end()) {
    return Remember(token, it->second);
  }
  limits::InlineLimitResult parsed = limits::ParseInlineLimit(token, default_strategy_);
  if (!parsed.limit) return Refused(protocol::ErrorCode::kBadRate, std::move(parsed.error));
  for (const limits::RateLimitItem& rate : parsed.limit->rates()) {
    if (auto problem = InlineWindowProblem("inline limit '" + std::string(token) + "'",
                                           rate.ExpirySeconds())) {
      return Refused(protocol::ErrorCode::kBadRate, std::move(*problem));
    }
  }
  if (!supports_(parsed.limit->strategy())) {
    return Refused(protocol::ErrorCode::kUnsupported,
                   "the storage does not support " +
                       std::string(strategy::StrategyName(parsed.limit->strategy())));
  }
  // The cache is bounded: when full, start over rather than track recency.
  last_ = nullptr;  // the entry may move when the map grows
  if (inline_cache_.size() >= kMaxCachedInline) inline_cache_.clear();
  const auto it = inline_cache_
                      .emplace(std::string(token),
                               std::make_shared<const limits::Limit>(std::move(*parsed.limit)))
                      .first;
  return Remember(token, it->second);
}

}  // namespace limitsd::server
