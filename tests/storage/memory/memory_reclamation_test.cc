// Expired entries are reclaimed by the calls themselves, and memory follows live keys.
#include "storage/memory/memory_storage.h"

#include <malloc.h>

#include <chrono>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

namespace limitsd::storage::memory {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class MemoryReclamationTest : public ::testing::Test {
 protected:
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
};

TEST_F(MemoryReclamationTest, CallsOnOneKeySweepEveryShardInTurn) {
  MemoryStorage store(clock_, 16);
  for (int i = 0; i < 10'000; ++i) store.IncrNow("k" + std::to_string(i), seconds(1), 1).value();
  for (int i = 0; i < 1'000; ++i) store.AcquireEntryNow("m" + std::to_string(i), 10, seconds(1), 3).value();
  for (int i = 0; i < 1'000; ++i) store.AcquireSlidingNow("s" + std::to_string(i), 10, seconds(1), 3).value();
  EXPECT_EQ(store.Stats().Entries(), 12'000u);
  EXPECT_EQ(store.Stats().moving_runs, 1'000u);
  clock_->Advance(seconds(3));
  // One busy key is enough: every kPeriodicEvery calls sweep the next shard in turn.
  for (std::uint32_t i = 0; i < 16 * MemoryShard::kPeriodicEvery + 16; ++i) {
    store.IncrNow("busy", seconds(60), 1).value();
  }
  const MemoryStats stats = store.Stats();
  EXPECT_EQ(stats.Entries(), 1u);
  EXPECT_EQ(stats.moving_runs, 0u);
  EXPECT_EQ(stats.swept, 12'000u);
}

TEST_F(MemoryReclamationTest, ChurningKeysStayBoundedByLiveKeys) {
  MemoryStorage store(clock_, 16);
  // 100 new keys per 10 ms, each living 1 s: about 10,000 live at any time.
  std::size_t most = 0;
  for (int step = 0; step < 3'000; ++step) {
    for (int i = 0; i < 100; ++i) store.IncrNow("k" + std::to_string(step * 100 + i), seconds(1), 1).value();
    clock_->Advance(milliseconds(10));
    if (step % 100 == 0) most = std::max(most, store.Stats().Entries());
  }
  // 300,000 keys were created; without reclamation all would still be held.
  EXPECT_LE(most, 2 * 10'100u + 16 * 64u);
  EXPECT_GT(store.Stats().sweeps, 0u);
}

TEST_F(MemoryReclamationTest, ExpiredEntriesReadAsAbsentAndAreErasedOnAccess) {
  MemoryStorage store(clock_, 1);
  store.IncrNow("k", seconds(1), 5).value();
  store.AcquireEntryNow("m", 5, seconds(1), 5).value();
  clock_->Advance(seconds(2));
  EXPECT_EQ(store.IncrNow("k", seconds(1), 1).value(), 1);
  EXPECT_TRUE(store.AcquireEntryNow("m", 5, seconds(1), 5).value());
  EXPECT_EQ(store.Stats().Entries(), 2u);
  clock_->Advance(seconds(2));
  EXPECT_EQ(store.SweepAll(), 2u);
  EXPECT_EQ(store.Stats().Entries(), 0u);
}

TEST_F(MemoryReclamationTest, MovingWindowRunsAreFreedAsTheyExpire) {
  MemoryStorage store(clock_, 1);
  for (int i = 0; i < 1'000; ++i) {
    ASSERT_TRUE(store.AcquireEntryNow("m", 1'000'000, seconds(1), 1).value());
    clock_->Advance(milliseconds(10));  // 100 runs per window
  }
  EXPECT_LE(store.Stats().moving_runs, 200u);  // expired runs compacted away
}

std::size_t AllocatedBytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// docs/storage-memory.md: at most 100 bytes of memory per live fixed-window key, with a
// million keys.
TEST_F(MemoryReclamationTest, AMillionFixedWindowKeysFitIn64BytesEach) {
  if (kSanitized) GTEST_SKIP() << "sanitizers change the allocator and the resident size";
  constexpr std::size_t kKeys = 1'000'000;
  std::vector<std::string> keys;
  keys.reserve(kKeys);
  for (std::size_t i = 0; i < kKeys; ++i) keys.push_back("LIMITER/user" + std::to_string(i) + "/100/1/minute");
  const std::size_t allocated_before = AllocatedBytes();
  const std::size_t resident_before = ResidentBytes();
  {
    MemoryStorage store(clock_, 256);
    for (const std::string& key : keys) store.IncrNow(key, seconds(60), 1).value();
    ASSERT_EQ(store.Stats().fixed_entries, kKeys);
    const double allocated = static_cast<double>(AllocatedBytes() - allocated_before) / kKeys;
    const double resident = static_cast<double>(ResidentBytes() - resident_before) / kKeys;
    RecordProperty("allocated_bytes_per_key", std::to_string(allocated));
    RecordProperty("resident_bytes_per_key", std::to_string(resident));
    EXPECT_LE(allocated, 64.0);
    EXPECT_LE(resident, 64.0);
  }
}

}  // namespace
}  // namespace limitsd::storage::memory
