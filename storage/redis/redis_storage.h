#pragma once
// The Redis family of storages: redis://, rediss://, redis+unix://, redis+sentinel://,
// redis+cluster:// and their valkey* aliases (see redis_settings.h for URIs and options).
//
// Each decision is one Lua script (redis_scripts.h) over every rate of a request, timed by
// the server's TIME when a rate needs a clock, so daemons sharing one Redis share one
// clock. Except on a cluster, the decisions that meet on one executor during one turn of
// its event loop share one script call (redis_batcher.h).
// Connections are asynchronous, on the daemon's own event loop: a small pool per I/O
// thread and server, pipelined, each call bounded by storage.timeout_ms. A call that
// times out returns kTimeout; its command may still run on the server (so such a request
// may have been counted), and its late reply is discarded.
//
// Keys are "<key_prefix>:<key>"; the strategy layer's keys carry a hash tag covering the
// limit and the user key, so every rate of one request lives in one cluster slot.
//
// A fixed-window denial is remembered per executor (deny_cache.h) and answers later denied
// requests for the same rates without Redis; this daemon's takes, Clear and Decr
// drop what they may have made false (deny_generations.h), on every executor.
//
// Every executor that awaits this storage must be single-threaded (one io_context per
// thread, as the daemon runs them): the connections of an executor are only touched there.

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "storage/capabilities.h"
#include "storage/redis/deny_cache.h"
#include "storage/redis/deny_generations.h"
#include "storage/redis/redis_batcher.h"
#include "storage/redis/redis_router.h"
#include "storage/redis/redis_scripts.h"
#include "storage/redis/redis_settings.h"
#include "storage/storage.h"
#include "storage/storage_context.h"

namespace limitsd::storage::redis {

class RedisStorage final : public Storage,
                           public MovingWindowSupport,
                           public SlidingWindowCounterSupport,
                           public GcraSupport,
                           public MultiRateSupport {
 public:
  static constexpr std::string_view kSchemes[] = {
      "redis",  "rediss",  "redis+unix",  "redis+sentinel",  "redis+cluster",
      "valkey", "valkeys", "valkey+unix", "valkey+sentinel", "valkey+cluster"};

  explicit RedisStorage(const StorageContext& context);
  ~RedisStorage() override;

  /// Reads the URI and every option as the constructor does (redis_settings.h); connects to
  /// nothing.
  static void ValidateOptions(const StorageContext& context) { ParseRedisSettings(context); }

  Task<Result<std::int64_t>> Incr(std::string_view key, Micros expiry,
                                  std::int64_t amount) override;
  Task<Result<void>> Decr(std::string_view key, std::int64_t amount) override;
  Task<Result<std::int64_t>> Get(std::string_view key) override;
  Task<Result<Micros>> GetExpiry(std::string_view key) override;
  Task<Result<void>> Clear(std::string_view key) override;
  /// PING on every master.
  Task<bool> Check() override;
  std::string Describe() const override { return settings_.description; }
  /// Requests the denial caches of every thread answered without Redis, so far; callable
  /// from any thread (for the daemon's metrics).
  std::uint64_t DenyCacheHits() const override;

  Task<Result<bool>> AcquireEntry(std::string_view key, std::int64_t limit, Micros expiry,
                                  std::int64_t amount) override;
  Task<Result<MovingWindowState>> GetMovingWindow(std::string_view key, std::int64_t limit,
                                                  Micros expiry, std::int64_t amount) override;

  Task<Result<bool>> AcquireSlidingWindowEntry(std::string_view key, std::int64_t limit,
                                               Micros expiry, std::int64_t amount) override;
  Task<Result<SlidingWindowState>> GetSlidingWindow(std::string_view key, Micros expiry) override;
  Task<Result<void>> ClearSlidingWindow(std::string_view key, Micros expiry) override;

  Task<Result<bool>> AcquireGcra(std::string_view key, std::int64_t burst, Micros interval,
                                 std::int64_t amount) override;
  Task<Result<GcraState>> GetGcra(std::string_view key) override;

  Task<Result<TakeOutcome>> TakeAll(std::span<const RateQuery> rates, std::int64_t cost,
                                    TakeMode mode) override;

 private:
  struct ExecutorSlot {
    boost::asio::any_io_executor executor;
    std::shared_ptr<RedisRouter> router;
    std::shared_ptr<RedisBatcher> batcher;  ///< null on a cluster
    std::shared_ptr<DenyCache> deny_cache;  ///< null when turned off
  };

  /// The slot of `executor` (created on first use).
  const ExecutorSlot& SlotOf(const boost::asio::any_io_executor& executor);
  /// The router of the executor this coroutine runs on.
  Task<RedisRouter*> CurrentRouter();
  ExecutorSlot MakeSlot(const boost::asio::any_io_executor& executor) const;
  std::shared_ptr<RedisRouter> MakeRouter(const boost::asio::any_io_executor& executor) const;
  std::string FullKey(std::string_view key) const;
  Deadline CallDeadline() const;
  /// Sends `args` (a command); Redis' error replies become kProtocol, and are logged.
  Task<Result<RedisReply>> Command(std::string_view slot_key,
                                   std::span<const std::string_view> args);
  /// EVALSHA, and EVAL when the server does not know the script yet.
  Task<Result<RedisReply>> RunScript(const RedisScript& script,
                                     std::span<const std::string_view> keys,
                                     std::span<const std::string_view> args);
  /// One request to Redis: batched, or alone. Not a coroutine: the task it returns (the
  /// batcher's or TakeAlone's) owns the encoded request, one coroutine frame per take.
  Task<Result<TakeOutcome>> SendTake(const ExecutorSlot& slot, std::span<const RateQuery> rates,
                                     std::int64_t cost, TakeMode mode);
  /// One request as a script call of its own (a cluster, or no batcher).
  Task<Result<TakeOutcome>> TakeAlone(RedisRouter& router, TakeRequest request);

  RedisSettings settings_;
  DenyGenerations generations_;  ///< shared by every executor's deny cache
  std::vector<ExecutorSlot> slots_;  ///< one per StorageContext executor, fixed
  mutable std::mutex extra_mutex_;
  std::deque<ExecutorSlot> extra_slots_;  ///< executors met later (tests, tools); stable
                                         ///< addresses
};

}  // namespace limitsd::storage::redis
