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

#include <cstddef>
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

/// A number no other call returns in this process (from 1): what LimitKeys and the stores
/// that take keyed calls are told apart by in a KeyLocation.
std::uint64_t NewKeyedId() noexcept;

/// The keys of one limit, hashed: built once per limit (limits::Limit holds one), and not
/// changed after.
struct LimitKeys {
  /// Whether the limit's keys split back into their parts (see LimitKeySplit); when false,
  /// a store must be given the written keys.
  bool keyed = false;
  KeyHash128 name_hash;                   ///< HashKeyName(name)
  std::vector<KeyHash128> suffix_hashes;  ///< HashKeySuffix of each rate's suffix
  std::vector<RateQuery> rates;           ///< each rate as a query with an empty key
  /// Names these hashes in a KeyLocation: NewKeyedId() when built from a limit's parts (a
  /// copy keeps it: the same hashes), 0 when default-built.
  std::uint64_t id = 0;

  LimitKeys() = default;
  /// `suffixes[i]` and `rates[i]` are rate i's suffix and query (whose key is ignored).
  LimitKeys(std::string_view name, std::span<const std::string> suffixes,
            std::span<const RateQuery> queries);
};

/// Where a keyed store found a user's key of one limit: filled by the prefetch of a request
/// (KeyedTakeSupport::PrefetchKeyed) and handed back to the take of the same request, so that
/// the store does not hash the key again. What it locates is the store's own (memory://: the
/// shard and the digest); the rest of the daemon only keeps it, copies it and clears it.
///
/// A take uses it only when the same store filled it for the same LimitKeys (its id: a
/// reload that rebuilt the limit has another) and the same view of the key (the same address
/// and size: the request's own, whose bytes do not change until it is answered); any other
/// location, an empty one included, is ignored and the key found as without it. It never
/// reads through the key's address.
struct KeyLocation {
  std::uint64_t store = 0;    ///< the id of the store that filled it; 0: empty
  std::uint64_t limit = 0;    ///< the LimitKeys::id it was filled for
  const char* key = nullptr;  ///< the view of the user's key it was filled for
  std::size_t key_size = 0;
  alignas(8) unsigned char where[24] = {};  ///< the store's own; meaningful when filled

  bool empty() const noexcept { return store == 0; }
  void Clear() noexcept { store = 0; }
  /// Whether store `store_id` filled it for `keys` and this view of `user_key`.
  bool Holds(std::uint64_t store_id, const LimitKeys& keys,
             std::string_view user_key) const noexcept {
    return store == store_id && limit == keys.id && key == user_key.data() &&
           key_size == user_key.size();
  }
  /// The same location for `other_key`, another view of the same bytes (a pipelined request
  /// that repeats the key of the one before it): the caller has compared them.
  KeyLocation For(std::string_view other_key) const noexcept {
    KeyLocation moved = *this;
    moved.key = other_key.data();
    moved.key_size = other_key.size();
    return moved;
  }
};

/// An ImmediateTakeSupport store that also takes a limit's keys in hashed form. The daemon
/// finds it with a dynamic_cast from Storage.
class KeyedTakeSupport {
 public:
  KeyedTakeSupport() noexcept : keyed_id_(NewKeyedId()) {}
  KeyedTakeSupport(const KeyedTakeSupport&) = delete;
  KeyedTakeSupport& operator=(const KeyedTakeSupport&) = delete;
  virtual ~KeyedTakeSupport() = default;

  /// TakeAllImmediately of every rate of `limit` (whose `keyed` is true) for the user's
  /// `key`: the same entries, the same outcome as with the written keys. `at`, when not
  /// null, is where the prefetch of the same request located the key; the store uses it
  /// only if it holds this store, limit and key (KeyLocation::Holds), during the call.
  virtual Result<TakeOutcome> TakeKeyed(const LimitKeys& limit, std::string_view key,
                                        std::int64_t cost, TakeMode mode,
                                        const KeyLocation* at) noexcept = 0;
  Result<TakeOutcome> TakeKeyed(const LimitKeys& limit, std::string_view key, std::int64_t cost,
                                TakeMode mode) noexcept {
    return TakeKeyed(limit, key, cost, mode, nullptr);
  }
  /// ImmediateTakeSupport::Prefetch of the same. `at`, when not null, is an empty location
  /// that the store may fill, for the take of the same request; it may also leave it empty
  /// (memory://: for a limit of several rates, or not of fixed windows).
  virtual void PrefetchKeyed(const LimitKeys& limit, std::string_view key,
                             KeyLocation* at) const noexcept = 0;
  void PrefetchKeyed(const LimitKeys& limit, std::string_view key) const noexcept {
    PrefetchKeyed(limit, key, nullptr);
  }

 protected:
  /// This store's id in the KeyLocations it fills: no other store's, alive or gone.
  std::uint64_t keyed_id() const noexcept { return keyed_id_; }

 private:
  const std::uint64_t keyed_id_;
};

}  // namespace limitsd::storage
