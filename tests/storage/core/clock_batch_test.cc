#include "storage/clock.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace limitsd::storage {
namespace {

// Waits until the system clock has moved past `t`, so that a fresh read must differ.
void WaitPast(Micros t) {
  while (std::chrono::duration_cast<Micros>(
             std::chrono::system_clock::now().time_since_epoch()) <= t) {
    std::this_thread::yield();
  }
}

TEST(ClockBatchTest, ABatchReadsTheClockOnce) {
  const SystemClock clock;
  const ClockBatch batch;
  const Micros first = clock.Now();
  WaitPast(first);
  EXPECT_EQ(clock.Now(), first);
}

TEST(ClockBatchTest, WithoutABatchEveryCallReadsTheClock) {
  const SystemClock clock;
  const Micros first = clock.Now();
  WaitPast(first);
  EXPECT_GT(clock.Now(), first);
}

TEST(ClockBatchTest, RefreshReadsTheClockAgain) {
  const SystemClock clock;
  const ClockBatch batch;
  const Micros first = clock.Now();
  WaitPast(first);
  ClockBatch::Refresh();
  const Micros second = clock.Now();
  EXPECT_GT(second, first);
  WaitPast(second);
  EXPECT_EQ(clock.Now(), second);
}

TEST(ClockBatchTest, ClosingABatchEndsItsTime) {
  const SystemClock clock;
  Micros inside{0};
  {
    const ClockBatch batch;
    inside = clock.Now();
  }
  WaitPast(inside);
  EXPECT_GT(clock.Now(), inside);
  ClockBatch::Refresh();  // no batch open: nothing to refresh
  const Micros outside = clock.Now();
  WaitPast(outside);
  EXPECT_GT(clock.Now(), outside);
}

TEST(ClockBatchTest, AnotherThreadHasItsOwnTime) {
  const SystemClock clock;
  const ClockBatch batch;
  const Micros mine = clock.Now();
  WaitPast(mine);
  Micros theirs{0};
  std::thread([&] { theirs = clock.Now(); }).join();
  EXPECT_GT(theirs, mine);
  EXPECT_EQ(clock.Now(), mine);
}

}  // namespace
}  // namespace limitsd::storage
