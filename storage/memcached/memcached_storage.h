#pragma once
// memcached://host:port[,host:port...] and memcached:///path/to.sock: a shared store on one
// or several memcached servers, served on the daemon's event loop.

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/capabilities.h"
#include "storage/memcached/key_lock_table.h"
#include "storage/memcached/limit_item.h"
#include "storage/memcached/memcached_client.h"
#include "storage/memcached/memcached_key.h"
#include "storage/storage.h"
#include "storage/storage_context.h"

namespace limitsd::storage::memcached {

/// Every strategy on memcached. One item per limit and key (the keys' hash tag) holds all of
/// its rates with their window times from limitsd's clock, and is updated with gets + add/cas,
/// so several rates are taken all or none. Updates of one item are queued inside the daemon,
/// so cas races only happen between daemons; after `cas_retries` lost races a call fails with
/// kContention. memcached TTLs only collect garbage: the item's last live time plus
/// `ttl_padding_s`, sent as an absolute Unix time beyond 30 days.
///
/// Options (storage.options): key_prefix ("limitsd:"), virtual_nodes (160), cas_retries (10),
/// connect_timeout_ms (1000), backoff_initial_ms (50), backoff_max_ms (1000),
/// max_pending (10000 per connection), max_value_bytes (1000000), ttl_padding_s (60).
class MemcachedStorage final : public Storage,
                               public MovingWindowSupport,
                               public SlidingWindowCounterSupport,
                               public GcraSupport,
                               public MultiRateSupport {
 public:
  static constexpr std::string_view kSchemes[] = {"memcached"};
  /// The default memcached item limit (1 MiB) less room for the key and item header.
  static constexpr std::int64_t kDefaultMaxValueBytes = 1'000'000;

  /// Throws ConfigurationError for a URI without servers or a bad option.
  explicit MemcachedStorage(const StorageContext& context);

  /// Reads the URI and every option as the constructor does, building the storage with no
  /// I/O thread, so that nothing connects.
  static void ValidateOptions(const StorageContext& context);

  /// Why a rate cannot be stored on memcached with the default item size, or nullopt when it
  /// can: a moving window holds up to `amount` runs in one item.
  static std::optional<std::string> CheckLimit(std::int64_t amount, Micros window);
  static std::optional<std::string> CheckLimit(StrategyKind strategy, std::int64_t amount,
                                               Micros window);

  Task<Result<std::int64_t>> Incr(std::string_view key, Micros expiry,
                                  std::int64_t amount) override;
  Task<Result<void>> Decr(std::string_view key, std::int64_t amount) override;
  Task<Result<std::int64_t>> Get(std::string_view key) override;
  Task<Result<Micros>> GetExpiry(std::string_view key) override;
  Task<Result<void>> Clear(std::string_view key) override;
  Task<bool> Check() override;
  std::string Describe() const override;

  Task<Result<bool>> AcquireEntry(std::string_view key, std::int64_t limit, Micros expiry,
                                  std::int64_t amount) override;
  Task<Result<MovingWindowState>> GetMovingWindow(std::string_view key, std::int64_t limit,
                                                  Micros expiry, std::int64_t amount) override;

  Task<Result<bool>> AcquireSlidingWindowEntry(std::string_view key, std::int64_t limit,
                                               Micros expiry, std::int64_t amount) override;
  Task<Result<SlidingWindowState>> GetSlidingWindow(std::string_view key,
                                                    Micros expiry) override;
  Task<Result<void>> ClearSlidingWindow(std::string_view key, Micros expiry) override;

  Task<Result<bool>> AcquireGcra(std::string_view key, std::int64_t burst, Micros interval,
                                 std::int64_t amount) override;
  Task<Result<GcraState>> GetGcra(std::string_view key) override;

  Task<Result<TakeOutcome>> TakeAll(std::span<const RateQuery> rates, std::int64_t cost,
                                    TakeMode mode) override;

  /// The index of the server holding `key`'s item (for tests of the hash ring).
  std::size_t ServerOf(std::string_view key) const;

 private:
  /// Where an item lives: its server and its key there.
  struct ItemLocation {
    std::size_t server = 0;
    std::string mkey;
  };
  struct Fetched {
    LimitItem item;
    std::optional<std::uint64_t> cas;  ///< nullopt: the item is absent
  };

  ItemLocation Locate(std::string_view item_id) const;

  /// The store's "now": limitsd's clock, never going backwards.
  std::int64_t Now() noexcept;
  Deadline NewDeadline() const;
  /// memcached's exptime for an item whose data lives until `live_until` (store time).
  std::int64_t ExpTime(std::int64_t live_until, std::int64_t now) const;

  Task<Result<Fetched>> Fetch(const ItemLocation& where, Deadline deadline);
  /// add (absent) or cas (present) of `item`; true when stored, false when the race was lost.
  Task<Result<bool>> Store(const ItemLocation& where, const Fetched& before,
                           const LimitItem& item, std::int64_t now, Deadline deadline);
  /// The state of one rate, read without taking it.
  Task<Result<WindowState>> ReadState(const RateQuery& rate, std::int64_t cost);
  /// Read, `mutate(item, now)`, write back with cas, under the item's lock; retried on lost
  /// races. `mutate` returns whether the item must be written. Defined in the .cc file.
  template <class Mutate>
  Task<Result<void>> Update(std::string_view item_id, Mutate mutate);
  Task<Result<bool>> TakeOne(const RateQuery& rate, std::int64_t cost);

  std::shared_ptr<const Clock> clock_;
  std::atomic<std::int64_t> last_now_{0};
  Micros timeout_;
  MemcachedKeyEncoder keys_;
  int cas_retries_;
  std::int64_t max_value_bytes_;
  std::int64_t ttl_padding_s_;
  std::string description_;
  MemcachedClient client_;
  KeyLockTable locks_;
};

}  // namespace limitsd::storage::memcached
