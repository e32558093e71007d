#pragma once
// SyncStorageRunner: a blocking SyncStorage seen as an asynchronous Storage.
//
// Every call is posted to a bounded thread pool of the runner's own (option
// `blocking_threads`, default 4), so a blocking backend never stalls an I/O thread; the
// awaiting coroutine resumes on its own executor. At most `blocking_queue` calls (default
// 10000) wait for a pool thread; a call beyond that fails at once with
// StorageErrc::kOverloaded. An exception escaping the backend's code becomes
// StorageErrc::kInternal and is logged once (logger "storage").
//
// Lifetime: destroy the runner before the executors its callers run on; the destructor
// waits for the calls in flight.

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/thread_pool.hpp>

#include "storage/capabilities.h"
#include "storage/storage.h"
#include "storage/storage_context.h"
#include "storage/storage_registry.h"
#include "storage/sync_storage.h"

namespace limitsd::storage {

class SyncStorageRunner final : public Storage,
                                public MovingWindowSupport,
                                public SlidingWindowCounterSupport,
                                public GcraSupport,
                                public MultiRateSupport {
 public:
  /// The capability interfaces are found on `storage` by dynamic_cast; `capabilities` may
  /// only narrow them (a capability absent there is not offered).
  SyncStorageRunner(std::unique_ptr<SyncStorage> storage, const Capabilities& capabilities,
                    const StorageContext& context);
  ~SyncStorageRunner() override;
  SyncStorageRunner(const SyncStorageRunner&) = delete;
  SyncStorageRunner& operator=(const SyncStorageRunner&) = delete;

  Task<Result<std::int64_t>> Incr(std::string_view key, Micros expiry,
                                  std::int64_t amount) override;
  Task<Result<void>> Decr(std::string_view key, std::int64_t amount) override;
  Task<Result<std::int64_t>> Get(std::string_view key) override;
  Task<Result<Micros>> GetExpiry(std::string_view key) override;
  Task<Result<void>> Clear(std::string_view key) override;
  Task<bool> Check() override;

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

  MovingWindowSupport* AsMovingWindow() noexcept override;
  SlidingWindowCounterSupport* AsSlidingWindowCounter() noexcept override;
  GcraSupport* AsGcra() noexcept override;
  MultiRateSupport* AsMultiRate() noexcept override;

  std::string Describe() const override;

  /// Calls posted and not yet started by a pool thread.
  std::size_t Waiting() const noexcept { return waiting_.load(std::memory_order_relaxed); }

 private:
  /// Runs `call` (returning Result<T>) on the pool; resumes on the caller's executor.
  template <class T, class Call>
  Task<Result<T>> Run(std::string_view operation, Call call);
  /// Invokes `call`, turning an escaping exception into kInternal (logged).
  template <class T, class Call>
  Result<T> Guarded(std::string_view operation, Call& call) noexcept;
  void LogException(std::string_view operation, std::string_view what) const noexcept;

  std::unique_ptr<SyncStorage> storage_;
  SyncMovingWindowSupport* moving_ = nullptr;
  SyncSlidingWindowCounterSupport* sliding_ = nullptr;
  SyncGcraSupport* gcra_ = nullptr;
  SyncMultiRateSupport* multi_rate_ = nullptr;
  std::size_t max_waiting_;
  std::atomic<std::size_t> waiting_{0};
  boost::asio::thread_pool pool_;
};

}  // namespace limitsd::storage
