#include "storage/sync_storage_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "storage/configuration_error.h"
#include "storage/storage_error.h"

namespace limitsd::storage {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

// A blocking in-memory counter table. Key "throw" throws a std::exception, "throw-int"
// throws an int, "block" waits until Release(); every call records its thread.
class TableStorage : public SyncStorage {
 public:
  Result<std::int64_t> Incr(std::string_view key, Micros, std::int64_t amount) override {
    Enter(key);
    std::lock_guard lock(mutex_);
    return counters_[std::string(key)] += amount;
  }
  Result<void> Decr(std::string_view key, std::int64_t amount) override {
    Enter(key);
    std::lock_guard lock(mutex_);
    auto it = counters_.find(std::string(key));
    if (it != counters_.end()) it->second = std::max<std::int64_t>(0, it->second - amount);
    return {};
  }
  Result<std::int64_t> Get(std::string_view key) override {
    Enter(key);
    std::lock_guard lock(mutex_);
    auto it = counters_.find(std::string(key));
    return it == counters_.end() ? 0 : it->second;
  }
  Result<Micros> GetExpiry(std::string_view key) override {
    Enter(key);
    return Micros{0};
  }
  Result<void> Clear(std::string_view key) override {
    Enter(key);
    std::lock_guard lock(mutex_);
    counters_.erase(std::string(key));
    return {};
  }
  bool Check() override { return true; }
  std::string Describe() const override { return "table://"; }

  std::thread::id LastThread() {
    std::lock_guard lock(mutex_);
    return last_thread_;
  }
  void WaitUntilBlocked() {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(cv_.wait_for(lock, 5s, [&] { return blocked_ > 0; }));
  }
  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  void Enter(std::string_view key) {
    std::unique_lock lock(mutex_);
    last_thread_ = std::this_thread::get_id();
    if (key == "throw") throw std::runtime_error("table is on fire");
    if (key == "throw-int") throw 42;
    if (key == "block") {
      ++blocked_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, std::int64_t, std::less<>> counters_;
  std::thread::id last_thread_;
  int blocked_ = 0;
  bool released_ = false;
};

class WindowTable : public TableStorage, public SyncMovingWindowSupport {
 public:
  Result<bool> AcquireEntry(std::string_view, std::int64_t limit, Micros,
                            std::int64_t amount) override {
    if (taken_ + amount > limit) return false;
    taken_ += amount;
    return true;
  }
  Result<MovingWindowState> GetMovingWindow(std::string_view, std::int64_t, Micros,
                                            std::int64_t) override {
    return MovingWindowState{.count = taken_};
  }

 private:
  std::int64_t taken_ = 0;
};

template <class T>
T RunTask(asio::io_context& io, Task<T> task) {
  std::future<T> result = asio::co_spawn(io, std::move(task), asio::use_future);
  io.restart();
  io.run();
  return result.get();
}

std::unique_ptr<SyncStorageRunner> MakeRunner(std::unique_ptr<SyncStorage> storage,
                                              StorageOptions options = {}) {
  StorageContext context;
  context.options = std::move(options);
  const Capabilities all{.moving_window = true, .sliding_window_counter = true,
                         .multi_rate = true, .synchronous = true};
  return std::make_unique<SyncStorageRunner>(std::move(storage), all, context);
}

TEST(SyncStorageRunner, CallsRunOffTheIoThreadAndResumeOnIt) {
  asio::io_context io;
  auto table = std::make_unique<TableStorage>();
  TableStorage& storage = *table;
  auto runner = MakeRunner(std::move(table));
  const auto outcome = RunTask(io, [&]() -> Task<std::pair<bool, bool>> {
    const std::thread::id io_thread = std::this_thread::get_id();
    const Result<std::int64_t> value = co_await runner->Incr("k", Micros{1'000'000}, 3);
    EXPECT_EQ(value.value(), 3);
    co_return std::pair{storage.LastThread() != io_thread,
                        std::this_thread::get_id() == io_thread};
  }());
  EXPECT_TRUE(outcome.first) << "the blocking call ran on the I/O thread";
  EXPECT_TRUE(outcome.second) << "the coroutine did not resume on its own executor";
}

TEST(SyncStorageRunner, ForwardsEveryPrimitive) {
  asio::io_context io;
  auto runner = MakeRunner(std::make_unique<TableStorage>());
  RunTask(io, [&]() -> Task<void> {
    EXPECT_EQ((co_await runner->Incr("a", Micros{5}, 1)).value(), 1);
    EXPECT_EQ((co_await runner->Incr("a", Micros{5}, 10)).value(), 11);
    EXPECT_TRUE((co_await runner->Decr("a", 4)).has_value());
    EXPECT_EQ((co_await runner->Get("a")).value(), 7);
    EXPECT_TRUE((co_await runner->Clear("a")).has_value());
    EXPECT_EQ((co_await runner->Get("a")).value(), 0);
    EXPECT_TRUE(co_await runner->Check());
  }());
  EXPECT_EQ(runner->Describe(), "table://");
}

TEST(SyncStorageRunner, ExceptionsBecomeInternalErrors) {
  asio::io_context io;
  auto runner = MakeRunner(std::make_unique<TableStorage>());
  RunTask(io, [&]() -> Task<void> {
    const Result<std::int64_t> thrown = co_await runner->Incr("throw", Micros{5}, 1);
    EXPECT_EQ(thrown.error(), make_error_code(StorageErrc::kInternal));
    const Result<void> thrown_int = co_await runner->Clear("throw-int");
    EXPECT_EQ(thrown_int.error(), make_error_code(StorageErrc::kInternal));
    EXPECT_EQ((co_await runner->Incr("fine", Micros{5}, 2)).value(), 2);
  }());
}

TEST(SyncStorageRunner, OffersOnlyTheCapabilitiesTheStorageHas) {
  asio::io_context io;
  auto fixed = MakeRunner(std::make_unique<TableStorage>());
  EXPECT_EQ(fixed->AsMovingWindow(), nullptr);
  EXPECT_EQ(fixed->AsSlidingWindowCounter(), nullptr);
  EXPECT_EQ(fixed->AsMultiRate(), nullptr);
  auto windows = MakeRunner(std::make_unique<WindowTable>());
  ASSERT_NE(windows->AsMovingWindow(), nullptr);
  EXPECT_EQ(windows->AsSlidingWindowCounter(), nullptr);
  RunTask(io, [&]() -> Task<void> {
    const Result<bool> unsupported = co_await fixed->AcquireEntry("k", 5, Micros{5}, 1);
    EXPECT_EQ(unsupported.error(), make_error_code(StorageErrc::kUnsupported));
    MovingWindowSupport* moving = windows->AsMovingWindow();
    EXPECT_TRUE((co_await moving->AcquireEntry("k", 5, Micros{5}, 4)).value());
    EXPECT_FALSE((co_await moving->AcquireEntry("k", 5, Micros{5}, 2)).value());
    EXPECT_EQ((co_await moving->GetMovingWindow("k", 5, Micros{5}, 1)).value().count, 4);
  }());
}

TEST(SyncStorageRunner, CapabilitiesCanOnlyNarrow) {
  StorageContext context;
  SyncStorageRunner runner(std::make_unique<WindowTable>(), Capabilities{}, context);
  EXPECT_EQ(runner.AsMovingWindow(), nullptr);
}

TEST(SyncStorageRunner, RefusesCallsBeyondTheQueueBound) {
  asio::io_context io;
  auto table = std::make_unique<TableStorage>();
  TableStorage& storage = *table;
  auto runner = MakeRunner(std::move(table), {{"blocking_threads", "1"}, {"blocking_queue", "2"}});
  auto work = asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  auto incr = [&](std::string key) {
    return asio::co_spawn(
        io, [&runner, key]() { return runner->Incr(key, Micros{5}, 1); }, asio::use_future);
  };
  auto running = incr("block");
  storage.WaitUntilBlocked();
  auto queued1 = incr("q1");
  auto queued2 = incr("q2");
  for (int i = 0; i < 500 && runner->Waiting() < 2; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(runner->Waiting(), 2u);
  auto refused = incr("q3");
  ASSERT_EQ(refused.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(refused.get().error(), make_error_code(StorageErrc::kOverloaded));
  storage.Release();
  EXPECT_EQ(running.get().value(), 1);
  EXPECT_EQ(queued1.get().value(), 1);
  EXPECT_EQ(queued2.get().value(), 1);
  EXPECT_EQ(runner->Waiting(), 0u);
  work.reset();
  io_thread.join();
}

TEST(SyncStorageRunner, RejectsBadPoolOptions) {
  EXPECT_THROW(MakeRunner(std::make_unique<TableStorage>(), {{"blocking_threads", "0"}}),
               ConfigurationError);
  EXPECT_THROW(MakeRunner(std::make_unique<TableStorage>(), {{"blocking_queue", "many"}}),
               ConfigurationError);
}

TEST(SyncStorageRunner, MadeByTheRegistryFactory) {
  StorageContext context;
  std::unique_ptr<Storage> storage =
      MakeSyncStorageRunner(std::make_unique<WindowTable>(), CapabilitiesOf<WindowTable>(), context);
  EXPECT_NE(storage->AsMovingWindow(), nullptr);
  EXPECT_EQ(storage->AsSlidingWindowCounter(), nullptr);
  EXPECT_EQ(storage->Describe(), "table://");
}

}  // namespace
}  // namespace limitsd::storage
