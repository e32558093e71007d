// The example plugins' own behaviour, loaded as plugins, on a manual clock: basicdb counts
// with expiry; advanceddatabase's Clear() reaches every strategy's value and its sliding
// buckets are aligned to Unix time. (The conformance suite covers the full contracts.)
#include "storage/plugin_loader.h"

#include <gtest/gtest.h>

#include "storage/capabilities.h"
#include "storage/storage_registry.h"
#include "tests/storage/conformance/run_task.h"

namespace limitsd::storage {
namespace {

using conformance::RunTask;
constexpr Micros kSecond{1'000'000};

class ExamplePlugins : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadPlugin(LIMITSD_BASICDB_PLUGIN);
    LoadPlugin(LIMITSD_ADVANCEDDATABASE_PLUGIN);
  }
  std::unique_ptr<Storage> Create(std::string_view uri) {
    StorageContext context;
    context.uri = ParseStorageUri(uri);
    context.clock = clock_;
    return StorageRegistry::Instance().Create(context);
  }
  template <class T>
  T Run(Task<T> task) {
    return RunTask(io_, std::move(task));
  }

  std::shared_ptr<ManualClock> clock_ =
      std::make_shared<ManualClock>(Micros{1'700'000'000'000'000});
  boost::asio::io_context io_;
};

TEST_F(ExamplePlugins, BasicDbCountsUntilTheWindowEnds) {
  auto db = Create("basicdb://localhost:42");
  EXPECT_EQ(db->AsMovingWindow(), nullptr);
  EXPECT_EQ(db->AsSlidingWindowCounter(), nullptr);
  EXPECT_EQ(Run(db->Incr("k", 2 * kSecond, 3)).value(), 3);
  clock_->Advance(kSecond);
  EXPECT_EQ(Run(db->Incr("k", 2 * kSecond, 4)).value(), 7);
  EXPECT_EQ(Run(db->GetExpiry("k")).value(), kSecond);
  EXPECT_TRUE(Run(db->Decr("k", 2)).has_value());
  EXPECT_EQ(Run(db->Get("k")).value(), 5);
  clock_->Advance(kSecond);
  EXPECT_EQ(Run(db->Get("k")).value(), 0);
  EXPECT_EQ(Run(db->GetExpiry("k")).value(), Micros{0});
  EXPECT_EQ(Run(db->Incr("k", 2 * kSecond, 1)).value(), 1);
  EXPECT_TRUE(Run(db->Clear("k")).has_value());
  EXPECT_EQ(Run(db->Get("k")).value(), 0);
}

TEST_F(ExamplePlugins, BasicDbInstancesDoNotShareTables) {
  auto first = Create("basicdb://localhost:42");
  auto second = Create("basicdb://localhost:43");
  EXPECT_EQ(Run(first->Incr("k", kSecond, 5)).value(), 5);
  EXPECT_EQ(Run(second->Get("k")).value(), 0);
}

TEST_F(ExamplePlugins, AdvancedDatabaseClearReachesEveryStrategy) {
  auto db = Create("advanceddatabase://localhost:42");
  MovingWindowSupport* moving = db->AsMovingWindow();
  SlidingWindowCounterSupport* sliding = db->AsSlidingWindowCounter();
  ASSERT_NE(moving, nullptr);
  ASSERT_NE(sliding, nullptr);
  EXPECT_EQ(Run(db->Incr("k", kSecond, 2)).value(), 2);
  EXPECT_TRUE(Run(moving->AcquireEntry("k", 2, kSecond, 2)).value());
  EXPECT_FALSE(Run(moving->AcquireEntry("k", 2, kSecond, 1)).value());
  EXPECT_TRUE(Run(sliding->AcquireSlidingWindowEntry("k", 2, kSecond, 2)).value());
  EXPECT_FALSE(Run(sliding->AcquireSlidingWindowEntry("k", 2, kSecond, 1)).value());
  EXPECT_TRUE(Run(db->Clear("k")).has_value());
  EXPECT_EQ(Run(db->Get("k")).value(), 0);
  EXPECT_TRUE(Run(moving->AcquireEntry("k", 2, kSecond, 2)).value());
  EXPECT_TRUE(Run(sliding->AcquireSlidingWindowEntry("k", 2, kSecond, 2)).value());
}

TEST_F(ExamplePlugins, AdvancedDatabaseSlidingBucketsAreUnixAligned) {
  auto db = Create("advanceddatabase://");
  SlidingWindowCounterSupport* sliding = db->AsSlidingWindowCounter();
  const Micros window = 10 * kSecond;
  clock_->Set(Micros{1'700'000'007'000'000});  // 7 s into a 10 s bucket
  EXPECT_TRUE(Run(sliding->AcquireSlidingWindowEntry("k", 10, window, 4)).value());
  SlidingWindowState state = Run(sliding->GetSlidingWindow("k", window)).value();
  EXPECT_EQ(state, (SlidingWindowState{0, 4, 7 * kSecond}));
  clock_->Advance(5 * kSecond);  // 2 s into the next bucket: the 4 weigh 4 * 8/10
  state = Run(sliding->GetSlidingWindow("k", window)).value();
  EXPECT_EQ(state, (SlidingWindowState{4, 0, 2 * kSecond}));
  EXPECT_TRUE(Run(sliding->AcquireSlidingWindowEntry("k", 10, window, 7)).value());
  EXPECT_FALSE(Run(sliding->AcquireSlidingWindowEntry("k", 10, window, 1)).value());
  clock_->Advance(20 * kSecond);  // two buckets later nothing counts
  EXPECT_EQ(Run(sliding->GetSlidingWindow("k", window)).value(),
            (SlidingWindowState{0, 0, 2 * kSecond}));
}

TEST_F(ExamplePlugins, AdvancedDatabaseMovingWindowKeepsRunsOfCost) {
  auto db = Create("advanceddatabase://");
  MovingWindowSupport* moving = db->AsMovingWindow();
  const Micros window = 2 * kSecond;
  EXPECT_TRUE(Run(moving->AcquireEntry("k", 1'000'000, window, 1)).value());
  EXPECT_TRUE(Run(moving->AcquireEntry("k", 1'000'000, window, 999'999)).value());
  EXPECT_FALSE(Run(moving->AcquireEntry("k", 1'000'000, window, 1)).value());
  clock_->Advance(kSecond);
  MovingWindowState state = Run(moving->GetMovingWindow("k", 1'000'000, window, 1)).value();
  EXPECT_EQ(state.count, 1'000'000);
  EXPECT_EQ(state.newest_age, kSecond);
  EXPECT_EQ(state.blocking_age, kSecond);  // the oldest unit must leave for 1 more to fit
  EXPECT_FALSE(Run(moving->AcquireEntry("k", 1'000'000, window, 1'000'001)).value());
  clock_->Advance(kSecond + Micros{1});
  EXPECT_EQ(Run(moving->GetMovingWindow("k", 1'000'000, window, 1)).value().count, 0);
}

}  // namespace
}  // namespace limitsd::storage
