#include "tests/storage/conformance/storage_conformance.h"

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include <boost/asio/co_spawn.hpp>

namespace limitsd::storage::conformance {
namespace {

// Distinguishes this run's keys from earlier runs' on a backend that outlives the test.
const std::string& RunId() {
  static const std::string id = [] {
    std::random_device device;
    return std::to_string(device() % 1'000'000'000u);
  }();
  return id;
}

Micros SystemNow() {
  return std::chrono::duration_cast<Micros>(
      std::chrono::system_clock::now().time_since_epoch());
}

}  // namespace

void PrintTo(const ConformanceTarget& target, std::ostream* os) { *os << target.name; }

std::string ConformanceTargetName(const ::testing::TestParamInfo<ConformanceTarget>& info) {
  return info.param.name;
}

void StorageConformance::SetUp() {
  const ConformanceTarget& target = GetParam();
  ConformanceEnv env;
  for (std::size_t i = 0; i < kThreads; ++i) {
    io_.push_back(std::make_unique<boost::asio::io_context>(1));
    env.executors.push_back(io_.back()->get_executor());
  }
  if (target.manual_clock) {
    clock_ = std::make_shared<ManualClock>();
    env.clock = clock_;
  }
  storage_ = target.make(env);
  ASSERT_NE(storage_, nullptr) << "the factory of " << target.name << " built nothing";
}

void StorageConformance::TearDown() {
  storage_.reset();
  // Let a backend's pending work (connection shutdown) finish on its own executor.
  for (auto& io : io_) {
    io->restart();
    io->poll();
  }
}

std::string StorageConformance::Key(std::string_view name) const {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info->name();
  test = test.substr(0, test.find('/'));  // "Case/Target": keep the case
  if (test.size() > 48) test.resize(48);
  // The target's name too: several targets of one binary may share a server.
  return "conformance:" + RunId() + ":" + GetParam().name + ":" + test + ":" + std::string(name);
}

std::string StorageConformance::TaggedKey(std::string_view tag, std::string_view name) const {
  return "{" + Key(tag) + "}/" + std::string(name);
}

void StorageConformance::Advance(Micros d) {
  if (clock_) {
    clock_->Advance(d);
  } else {
    std::this_thread::sleep_for(d);
  }
}

void StorageConformance::ToNextBucket(Micros bucket, Micros offset) {
  const Micros now = clock_ ? clock_->Now() : SystemNow();
  const Micros target = (now / bucket + 1) * bucket + offset;
  if (clock_) {
    clock_->Set(target);
  } else {
    std::this_thread::sleep_for(target - now);
    while (SystemNow() < target) std::this_thread::yield();
  }
}

Micros StorageConformance::Slack() const {
  return clock_ ? Micros{0} : GetParam().real_time_slack;
}

void StorageConformance::ExpectTimeLeft(Micros actual, Micros expected) const {
  EXPECT_LE(actual.count(), expected.count());
  EXPECT_GE(actual.count(), (expected - Slack()).count());
}

void StorageConformance::ExpectAge(Micros actual, Micros expected) const {
  EXPECT_GE(actual.count(), expected.count());
  EXPECT_LE(actual.count(), (expected + Slack()).count());
}

bool StorageConformance::MovingAcquire(const std::string& key, std::int64_t limit, Micros expiry,
                                       std::int64_t amount) {
  const Result<bool> taken =
      Run(storage().AsMovingWindow()->AcquireEntry(key, limit, expiry, amount));
  EXPECT_TRUE(taken) << taken.error().message();
  return taken && *taken;
}

MovingWindowState StorageConformance::MovingState(const std::string& key, std::int64_t limit,
                                                  Micros expiry, std::int64_t amount) {
  const Result<MovingWindowState> state =
      Run(storage().AsMovingWindow()->GetMovingWindow(key, limit, expiry, amount));
  EXPECT_TRUE(state) << state.error().message();
  return state ? *state : MovingWindowState{};
}

bool StorageConformance::SlidingAcquire(const std::string& key, std::int64_t limit,
                                        Micros expiry, std::int64_t amount) {
  const Result<bool> taken = Run(
      storage().AsSlidingWindowCounter()->AcquireSlidingWindowEntry(key, limit, expiry, amount));
  EXPECT_TRUE(taken) << taken.error().message();
  return taken && *taken;
}

SlidingWindowState StorageConformance::SlidingState(const std::string& key, Micros expiry) {
  const Result<SlidingWindowState> state =
      Run(storage().AsSlidingWindowCounter()->GetSlidingWindow(key, expiry));
  EXPECT_TRUE(state) << state.error().message();
  return state ? *state : SlidingWindowState{};
}

bool StorageConformance::GcraAcquire(const std::string& key, std::int64_t burst,
                                     Micros interval, std::int64_t amount) {
  const Result<bool> taken = Run(storage().AsGcra()->AcquireGcra(key, burst, interval, amount));
  EXPECT_TRUE(taken) << taken.error().message();
  return taken && *taken;
}

GcraState StorageConformance::GcraGet(const std::string& key) {
  const Result<GcraState> state = Run(storage().AsGcra()->GetGcra(key));
  EXPECT_TRUE(state) << state.error().message();
  return state ? *state : GcraState{};
}

TakeOutcome StorageConformance::Take(std::span<const RateQuery> rates, std::int64_t cost,
                                     TakeMode mode) {
  const Result<TakeOutcome> outcome = Run(storage().AsMultiRate()->TakeAll(rates, cost, mode));
  EXPECT_TRUE(outcome) << outcome.error().message();
  return outcome ? *outcome : TakeOutcome{};
}

int StorageConformance::CountAdmitted(const std::function<Task<bool>()>& hit, int per_thread) {
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      boost::asio::io_context& io = *io_[t];
      int pending = per_thread;
      for (int i = 0; i < per_thread; ++i) {
        boost::asio::co_spawn(io, hit(), [&](std::exception_ptr e, bool ok) {
          if (e) ADD_FAILURE() << "a hit threw";
          if (!e && ok) admitted.fetch_add(1);
          --pending;
        });
      }
      io.restart();
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (pending > 0 && !io.stopped() && std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::milliseconds(100));
      }
      if (pending > 0) ADD_FAILURE() << pending << " hits never completed";
    });
  }
  for (auto& thread : threads) thread.join();
  return admitted.load();
}

}  // namespace limitsd::storage::conformance
