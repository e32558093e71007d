#pragma once
// A limit's storage keys in hashed form, for a store that identifies its entries by a digest
// of the key (memory://). A storage key is "{<name> <key>}<suffix>" (storage/storage_key.h):
// the limit fixes the name and each rate's suffix, the request brings the user's key. Here
// the fixed parts are hashed once, when the limit is built, with a random per-process seed;
// a request then hashes only the user's key (seeded further by the store), and no key is
// written. A store that takes keys in this form (KeyedTakeSupport) splits a written key the
// same way (SplitLimitKey) and finds the same entry from it, so calls that pass the written
// key (Clear, Decr) reach what a keyed take stored.
//
// Internal to the daemon, not part of the custom-storage SDK: a plugin never sees it, and a
// store without KeyedTakeSupport gets the written keys as before.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/capabilities.h"

namespace limitsd::storage {

/// 128 bits of a seeded hash.
struct KeyHash128 {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
};

/// The hash state after a limit's name, the part of its keys before the user's key. The
/// first call of either function draws the per-process seed (std::random_device), which
/// may throw; later calls do not.
KeyHash128 HashKeyName(std::string_view name);
/// The hash of a rate's suffix, the part of its keys after the user's key.
KeyHash128 HashKeySuffix(std::string_view suffix);

/// A written key of the limit form, taken apart: it starts with '{', the name ends at the
/// first ' ', the user's key at the last '}'. A limit whose name has no ' ' and whose
/// suffixes have no '}' writes keys that split back into exactly its name, key and suffix,
/// whatever the user's key holds.
struct LimitKeySplit {
  bool found = false;  ///< false: the key is not of the limit form
  std::string_view name;
  std::string_view key;
  std::string_view suffix;
};
constexpr LimitKeySplit SplitLimitKey(std::string_view key) noexcept {
  if (key.empty() || key.front() != '{') return {};
  const std::size_t space = key.find(' ', 1);
  const std::size_t close = key.rfind('}');
  if (space == std::string_view::npos || close == std::string_view::npos || close < space) {
    return {};
  }
  return {true, key.substr(1, space - 1), key.substr(space + 1, close - space - 1),
          key.substr(close + 1)};
}

/// The keys of one limit, hashed: built once per limit (limits::Limit holds one).
struct LimitKeys {
  /// Whether the limit's keys split back into their parts (see LimitKeySplit); when false,
  /// a store must be given the written keys.
  bool keyed = false;
  KeyHash128 name_hash;                   ///< HashKeyName(name)
  std::vector<KeyHash128> suffix_hashes;  ///< HashKeySuffix of each rate's suffix
  std::vector<RateQuery> rates;           ///< each rate as a query with an empty key

  LimitKeys() = default;
  /// `suffixes[i]` and `rates[i]` are rate i's suffix and query (whose key is ignored).
  LimitKeys(std::string_view name, std::span<const std::string> suffixes,
            std::span<const RateQuery> queries);
};

/// An ImmediateTakeSupport store that also takes a limit's keys in hashed form. The daemon
/// finds it with a dynamic_cast from Storage.
class KeyedTakeSupport {
 public:
  virtual ~KeyedTakeSupport() = default;
  /// TakeAllImmediately of every rate of `limit` (whose `keyed` is true) for the user's
  /// `key`: the same entries, the same outcome as with the written keys.
  virtual Result<TakeOutcome> TakeKeyed(const LimitKeys& limit, std::string_view key,
                                        std::int64_t cost, TakeMode mode) noexcept = 0;
  /// ImmediateTakeSupport::Prefetch of the same.
  virtual void PrefetchKeyed(const LimitKeys& limit, std::string_view key) const noexcept = 0;
};

}  // namespace limitsd::storage
