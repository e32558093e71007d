#pragma once
// Serializes updates of one memcached item inside the daemon, across I/O threads, so that
// gets/cas retries happen only between daemons.

#include <array>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>

#include "storage/memcached/memcached_connection.h"
#include "storage/result.h"

namespace limitsd::storage::memcached {

/// A table of asynchronous per-key locks. A caller that finds its key held queues and waits
/// (without blocking its thread) until the holder releases it, first come first served, or
/// until its deadline (kTimeout). A waiter is woken on its own executor, which is assumed to
/// be a single-threaded io_context, as the daemon's are.
class KeyLockTable {
 public:
  /// Holds one key; releases it on destruction.
  class Guard {
   public:
    Guard() = default;
    Guard(KeyLockTable* table, std::string key) : table_(table), key_(std::move(key)) {}
    Guard(Guard&& other) noexcept
        : table_(std::exchange(other.table_, nullptr)), key_(std::move(other.key_)) {}
    Guard& operator=(Guard&& other) noexcept;
    ~Guard();

   private:
    KeyLockTable* table_ = nullptr;
    std::string key_;
  };

  Task<Result<Guard>> Acquire(std::string key, Deadline deadline);

  /// Keys held or awaited right now (for tests).
  std::size_t Size();

 private:
  struct Waiter {
    explicit Waiter(const boost::asio::any_io_executor& ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    bool granted = false;  ///< guarded by the shard's mutex
  };
  struct Shard {
    std::mutex mutex;
    /// A key is held while it has an entry; the entry queues its waiters.
    std::unordered_map<std::string, std::deque<std::shared_ptr<Waiter>>> held;
  };
  static constexpr std::size_t kShards = 64;

  Shard& ShardOf(std::string_view key) noexcept;
  void Release(const std::string& key);

  std::array<Shard, kShards> shards_;
};

}  // namespace limitsd::storage::memcached
