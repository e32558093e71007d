#pragma once
// Resolves a request's <limit> token: a configured name first, then an inline limit
// `[strategy:]rate[;rate...]` (docs/protocol.md, Fields). One table per I/O thread: the
// configured limits are shared and immutable, the cache of parsed inline limits is the
// thread's own.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/unordered/unordered_flat_map.hpp>

#include "limits/limit.h"
#include "protocol/request.h"

namespace limitsd::server {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
struct StringEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

using NamedLimits =
    boost::unordered_flat_map<std::string, std::shared_ptr<const limits::Limit>, StringHash,
                              StringEqual>;

/// What a token resolves to. `limit` and `shared` are borrowed from the table: valid until
/// the table changes (a Resolve that parses a new inline limit, Replace, SetMaxInlineWindow).
/// A caller that needs the limit longer copies `*shared`.
struct Resolution {
  const limits::Limit* limit = nullptr;                          ///< null on error
  const std::shared_ptr<const limits::Limit>* shared = nullptr;  ///< the table's own
  protocol::ErrorCode error = protocol::ErrorCode::kUnknownLimit;
  std::string message;
};

class LimitTable {
 public:
  static constexpr std::int64_t kDefaultMaxInlineWindowSeconds = 86400;

  /// `supports`: whether the storage can serve a strategy.
  LimitTable(std::shared_ptr<const NamedLimits> named, limits::StrategyKind default_strategy,
             bool allow_inline, std::function<bool(limits::StrategyKind)> supports);
  // A copy's last-resolved entry would point into the original's maps. A move keeps the
  // maps' storage, so it may carry the entry over.
  LimitTable(const LimitTable&) = delete;
  LimitTable& operator=(const LimitTable&) = delete;
  LimitTable(LimitTable&&) = default;
  LimitTable& operator=(LimitTable&&) = default;

  /// Parses an inline limit the first time it is seen, and keeps it (see Resolution).
  Resolution Resolve(std::string_view token);
  /// The limit `token` resolves to when it is a configured name or an inline limit parsed
  /// before; nullptr otherwise. Parses nothing and builds no message: for a prefetch.
  const limits::Limit* Find(std::string_view token) const noexcept;
  /// Whether `limit` is one of the configured (named) limits.
  bool IsConfigured(const limits::Limit& limit) const {
    const auto it = named_->find(limit.name());
    return it != named_->end() && it->second.get() == &limit;
  }

  /// Swaps in a reloaded configuration; forgets the inline limits parsed so far (the
  /// default strategy or the storage may have changed).
  void Replace(std::shared_ptr<const NamedLimits> named, limits::StrategyKind default_strategy,
               bool allow_inline, std::function<bool(limits::StrategyKind)> supports);

  /// The longest window an inline limit may have (max_inline_window, default one day),
  /// `text` as configured; forgets the inline limits parsed so far when it changes.
  void SetMaxInlineWindow(std::int64_t seconds, std::string text);
  /// Why a limit given in a request, whose stored values live up to `lifetime_seconds`,
  /// is refused (`what` names it); nullopt when it is within max_inline_window.
  std::optional<std::string> InlineWindowProblem(std::string_view what,
                                                 std::int64_t lifetime_seconds) const;

 private:
  Resolution ResolveInline(std::string_view token);
  static Resolution Found(const std::shared_ptr<const limits::Limit>& limit) noexcept {
    Resolution r;
    r.limit = limit.get();
    r.shared = &limit;
    return r;
  }
  /// Resolve found `limit` (an entry of one of the maps) for `token`.
  Resolution Remember(std::string_view token, const std::shared_ptr<const limits::Limit>& limit) {
    last_token_.assign(token);
    last_ = &limit;
    return Found(limit);
  }

  static constexpr std::size_t kMaxCachedInline = 4096;
  std::shared_ptr<const NamedLimits> named_;
  limits::StrategyKind default_strategy_;
  bool allow_inline_;
  std::function<bool(limits::StrategyKind)> supports_;
  NamedLimits inline_cache_;
  std::int64_t max_inline_window_seconds_ = kDefaultMaxInlineWindowSeconds;
  std::string max_inline_window_text_ = "1 day";
  // The token resolved last and its entry: the requests of a pipeline mostly name one
  // limit, and comparing a token's bytes costs less than hashing them. Null whenever a map
  // changes (the entry's address may change with it).
  std::string last_token_;
  const std::shared_ptr<const limits::Limit>* last_ = nullptr;
};

}  // namespace limitsd::server
