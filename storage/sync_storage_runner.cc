#include "storage/sync_storage_runner.h"

#include <exception>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "storage/storage_error.h"

namespace limitsd::storage {
namespace asio = boost::asio;
namespace {

constexpr long long kDefaultThreads = 4;
constexpr long long kMaxThreads = 1024;
constexpr long long kDefaultQueue = 10'000;
constexpr long long kMaxQueue = 100'000'000;

// The component logger "storage": the registered one, or a copy of the default logger
// registered under that name on first use.
std::shared_ptr<spdlog::logger> StorageLogger() {
  if (auto logger = spdlog::get("storage")) return logger;
  try {
    auto logger = spdlog::default_logger()->clone("storage");
    spdlog::register_logger(logger);
    return logger;
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get("storage");  // registered meanwhile by another thread
  }
}

template <class T>
Result<T> Failure(StorageErrc errc) {
  return Result<T>(boost::system::in_place_error, make_error_code(errc));
}

// A call to a capability the wrapped storage lacks (its As*() returned nullptr).
template <class T>
Task<Result<T>> Unsupported() {
  co_return Failure<T>(StorageErrc::kUnsupported);
}

}  // namespace

std::unique_ptr<Storage> MakeSyncStorageRunner(std::unique_ptr<SyncStorage> storage,
                                               const Capabilities& capabilities,
                                               const StorageContext& context) {
  return std::make_unique<SyncStorageRunner>(std::move(storage), capabilities, context);
}

SyncStorageRunner::SyncStorageRunner(std::unique_ptr<SyncStorage> storage,
                                     const Capabilities& capabilities,
                                     const StorageContext& context)
    : storage_(std::move(storage)),
      max_waiting_(static_cast<std::size_t>(
          context.IntOption("blocking_queue", kDefaultQueue, 1, kMaxQueue))),
      pool_(static_cast<std::size_t>(
          context.IntOption("blocking_threads", kDefaultThreads, 1, kMaxThreads))) {
  if (capabilities.moving_window) moving_ = dynamic_cast<SyncMovingWindowSupport*>(storage_.get());
  if (capabilities.gcra) gcra_ = dynamic_cast<SyncGcraSupport*>(storage_.get());
  if (capabilities.sliding_window_counter) {
    sliding_ = dynamic_cast<SyncSlidingWindowCounterSupport*>(storage_.get());
  }
  if (capabilities.multi_rate) multi_rate_ = dynamic_cast<SyncMultiRateSupport*>(storage_.get());
}

SyncStorageRunner::~SyncStorageRunner() {
  // Let every call in flight finish (and post its completion) before the storage goes.
  pool_.join();
}

template <class T, class Call>
Result<T> SyncStorageRunner::Guarded(std::string_view operation, Call& call) noexcept {
  try {
    return call();
  } catch (const std::exception& e) {
    LogException(operation, e.what());
  } catch (...) {
    LogException(operation, "an exception not derived from std::exception");
  }
  return Failure<T>(StorageErrc::kInternal);
}

void SyncStorageRunner::LogException(std::string_view operation,
                                     std::string_view what) const noexcept {
  try {
    StorageLogger()->error("storage call {} on {} threw: {}", operation, Describe(), what);
  } catch (...) {
    // Logging must not turn an error value back into an exception.
  }
}

template <class T, class Call>
Task<Result<T>> SyncStorageRunner::Run(std::string_view operation, Call call) {
  if (waiting_.fetch_add(1, std::memory_order_relaxed) >= max_waiting_) {
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    co_return Failure<T>(StorageErrc::kOverloaded);
  }
  // `call` lives in this coroutine's frame, which stays suspended until the handler runs.
  auto initiation = [this, operation, &call](auto handler) {
    // Keeps the caller's executor alive (its run() from returning) while the pool works.
    auto caller = asio::prefer(asio::get_associated_executor(handler),
                               asio::execution::outstanding_work.tracked);
    asio::post(pool_, [this, operation, &call, caller = std::move(caller),
                       handler = std::move(handler)]() mutable {
      waiting_.fetch_sub(1, std::memory_order_relaxed);
      Result<T> result = Guarded<T>(operation, call);
      asio::post(caller, [handler = std::move(handler), result = std::move(result)]() mutable {
        std::move(handler)(std::move(result));
      });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(Result<T>)>(
      std::move(initiation), asio::use_awaitable);
}

Task<Result<std::int64_t>> SyncStorageRunner::Incr(std::string_view key, Micros expiry,
                                                   std::int64_t amount) {
  return Run<std::int64_t>("incr", [=, this] { return storage_->Incr(key, expiry, amount); });
}

Task<Result<void>> SyncStorageRunner::Decr(std::string_view key, std::int64_t amount) {
  return Run<void>("decr", [=, this] { return storage_->Decr(key, amount); });
}

Task<Result<std::int64_t>> SyncStorageRunner::Get(std::string_view key) {
  return Run<std::int64_t>("get", [=, this] { return storage_->Get(key); });
}

Task<Result<Micros>> SyncStorageRunner::GetExpiry(std::string_view key) {
  return Run<Micros>("get_expiry", [=, this] { return storage_->GetExpiry(key); });
}

Task<Result<void>> SyncStorageRunner::Clear(std::string_view key) {
  return Run<void>("clear", [=, this] { return storage_->Clear(key); });
}

Task<bool> SyncStorageRunner::Check() {
  const Result<bool> healthy =
      co_await Run<bool>("check", [this] { return Result<bool>(storage_->Check()); });
  co_return healthy.has_value() && *healthy;
}

Task<Result<bool>> SyncStorageRunner::AcquireEntry(std::string_view key, std::int64_t limit,
                                                   Micros expiry, std::int64_t amount) {
  if (moving_ == nullptr) return Unsupported<bool>();
  return Run<bool>("acquire_entry",
                   [=, this] { return moving_->AcquireEntry(key, limit, expiry, amount); });
}

Task<Result<MovingWindowState>> SyncStorageRunner::GetMovingWindow(std::string_view key,
                                                                   std::int64_t limit,
                                                                   Micros expiry,
                                                                   std::int64_t amount) {
  if (moving_ == nullptr) return Unsupported<MovingWindowState>();
  return Run<MovingWindowState>(
      "get_moving_window", [=, this] { return moving_->GetMovingWindow(key, limit, expiry, amount); });
}

Task<Result<bool>> SyncStorageRunner::AcquireSlidingWindowEntry(std::string_view key,
                                                                std::int64_t limit,
                                                                Micros expiry,
                                                                std::int64_t amount) {
  if (sliding_ == nullptr) return Unsupported<bool>();
  return Run<bool>("acquire_sliding_window_entry", [=, this] {
    return sliding_->AcquireSlidingWindowEntry(key, limit, expiry, amount);
  });
}

Task<Result<SlidingWindowState>> SyncStorageRunner::GetSlidingWindow(std::string_view key,
                                                                     Micros expiry) {
  if (sliding_ == nullptr) return Unsupported<SlidingWindowState>();
  return Run<SlidingWindowState>("get_sliding_window",
                                 [=, this] { return sliding_->GetSlidingWindow(key, expiry); });
}

Task<Result<void>> SyncStorageRunner::ClearSlidingWindow(std::string_view key, Micros expiry) {
  if (sliding_ == nullptr) return Unsupported<void>();
  return Run<void>("clear_sliding_window",
                   [=, this] { return sliding_->ClearSlidingWindow(key, expiry); });
}

Task<Result<TakeOutcome>> SyncStorageRunner::TakeAll(std::span<const RateQuery> rates,
                                                     std::int64_t cost, TakeMode mode) {
  if (multi_rate_ == nullptr) return Unsupported<TakeOutcome>();
  return Run<TakeOutcome>("take_all",
                          [=, this] { return multi_rate_->TakeAll(rates, cost, mode); });
}

MovingWindowSupport* SyncStorageRunner::AsMovingWindow() noexcept {
  return moving_ != nullptr ? this : nullptr;
}

Task<Result<bool>> SyncStorageRunner::AcquireGcra(std::string_view key, std::int64_t burst,
                                                  Micros interval, std::int64_t amount) {
  if (gcra_ == nullptr) return Unsupported<bool>();
  return Run<bool>("acquire_gcra",
                   [=, this] { return gcra_->AcquireGcra(key, burst, interval, amount); });
}

Task<Result<GcraState>> SyncStorageRunner::GetGcra(std::string_view key) {
  if (gcra_ == nullptr) return Unsupported<GcraState>();
  return Run<GcraState>("get_gcra", [=, this] { return gcra_->GetGcra(key); });
}

GcraSupport* SyncStorageRunner::AsGcra() noexcept { return gcra_ != nullptr ? this : nullptr; }

SlidingWindowCounterSupport* SyncStorageRunner::AsSlidingWindowCounter() noexcept {
  return sliding_ != nullptr ? this : nullptr;
}

MultiRateSupport* SyncStorageRunner::AsMultiRate() noexcept {
  return multi_rate_ != nullptr ? this : nullptr;
}

std::string SyncStorageRunner::Describe() const {
  try {
    return storage_->Describe();
  } catch (...) {
    return "a synchronous storage whose Describe() threw";
  }
}

}  // namespace limitsd::storage
