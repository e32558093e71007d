#include "storage/memory/fixed_table.h"

#include <cstdint>
#include <map>
#include <random>

#include <gtest/gtest.h>

namespace limitsd::storage::memory {
namespace {

// Keys as the shard gives them: uniform 64-bit digests, never 0.
std::uint64_t KeyOf(std::mt19937_64& random) {
  const std::uint64_t key = random();
  return key == 0 ? 1 : key;
}

// The table against a std::map through a random mix of inserts, updates and erasures,
// checking every key of the model after each phase.
void ExpectSame(FixedTable& table, const std::map<std::uint64_t, std::int64_t>& model) {
  ASSERT_EQ(table.size(), model.size());
  for (const auto& [key, count] : model) {
    const FixedTable::Counter* counter = table.Find(key);
    ASSERT_NE(counter, nullptr) << key;
    EXPECT_EQ(counter->count, count) << key;
  }
  std::size_t visited = 0;
  table.ForEach([&](const FixedTable::Counter&) { ++visited; });
  EXPECT_EQ(visited, model.size());
}

TEST(FixedTableTest, StartsEmptyAndFindsNothing) {
  FixedTable table;
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.capacity(), 0u);
  EXPECT_EQ(table.Find(42), nullptr);
  EXPECT_FALSE(table.Contains(42));
  EXPECT_FALSE(table.Erase(42));
  FixedTable::Hint hint;
  table.PublishTo(&hint);
  FixedTable::Prefetch(hint, 42);  // nothing to load, and no crash
  EXPECT_EQ(hint.capacity.load(), 0u);
  table.TryEmplace(42);
  EXPECT_EQ(hint.capacity.load(), table.capacity());  // published as the table grew
  FixedTable::Prefetch(hint, 42);
}

TEST(FixedTableTest, TryEmplaceAddsOnceThenFinds) {
  FixedTable table;
  auto [counter, inserted] = table.TryEmplace(7);
  ASSERT_TRUE(inserted);
  EXPECT_EQ(counter->count, 0);
  EXPECT_EQ(counter->expires_at, 0);
  counter->count = 5;
  counter->expires_at = 99;
  auto [again, inserted_again] = table.TryEmplace(7);
  EXPECT_FALSE(inserted_again);
  EXPECT_EQ(again->count, 5);
  EXPECT_EQ(table.Find(7)->expires_at, 99);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.Erase(7));
  EXPECT_FALSE(table.Contains(7));
  EXPECT_EQ(table.size(), 0u);
}

TEST(FixedTableTest, MatchesAMapThroughGrowthAndErasures) {
  FixedTable table;
  std::map<std::uint64_t, std::int64_t> model;
  std::mt19937_64 random(3);
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 20000; ++i) {
      const std::uint64_t key = KeyOf(random);
      table.TryEmplace(key).first->count = i;
      model[key] = i;
    }
    // Erase about a third of them, in the model's order (a different order than the table's).
    int n = 0;
    for (auto it = model.begin(); it != model.end();) {
      if (n++ % 3 == 0) {
        ASSERT_TRUE(table.Erase(it->first));
        it = model.erase(it);
      } else {
        ++it;
      }
    }
    ExpectSame(table, model);
    EXPECT_LE(table.size(), FixedTable::MaxLoad(table.capacity()));
  }
}

// Keys whose probes start at the last slot and at slot 0 (the high bits decide the slot):
// the run of the last slot wraps around to slot 0, and erasing any key keeps the others
// reachable.
TEST(FixedTableTest, RunsThatWrapAroundStayReachableAfterErasures) {
  const std::uint64_t top = ~std::uint64_t{0};
  for (const std::uint64_t erased_first : {top, top - 1, std::uint64_t{1}, std::uint64_t{2}}) {
    FixedTable table;
    std::map<std::uint64_t, std::int64_t> model;
    for (const std::uint64_t key : {top, top - 1, std::uint64_t{1}, std::uint64_t{2}}) {
      table.TryEmplace(key).first->count = static_cast<std::int64_t>(key % 1000);
      model[key] = static_cast<std::int64_t>(key % 1000);
    }
    ASSERT_EQ(table.capacity(), 8u);  // one table, no growth: the four keys collide
    ExpectSame(table, model);
    ASSERT_TRUE(table.Erase(erased_first));
    model.erase(erased_first);
    ExpectSame(table, model);
    for (auto it = model.begin(); it != model.end(); it = model.erase(it)) {
      ASSERT_TRUE(table.Erase(it->first));
    }
    ExpectSame(table, model);
  }
}

TEST(FixedTableTest, EraseIfVisitsEachCounterOnceAndKeepsTheRest) {
  FixedTable table;
  std::map<std::uint64_t, std::int64_t> model;
  std::mt19937_64 random(11);
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t key = KeyOf(random);
    table.TryEmplace(key).first->expires_at = i;
    model[key] = i;
  }
  std::size_t visits = 0;
  const std::size_t erased = table.EraseIf([&](const FixedTable::Counter& c) {
    ++visits;
    return c.expires_at % 2 == 0;
  });
  EXPECT_EQ(visits, 5000u);
  EXPECT_EQ(erased, 2500u);
  for (auto it = model.begin(); it != model.end();) {
    if (it->second % 2 == 0) {
      EXPECT_FALSE(table.Contains(it->first));
      it = model.erase(it);
    } else {
      ASSERT_NE(table.Find(it->first), nullptr);
      EXPECT_EQ(table.Find(it->first)->expires_at, it->second);
      ++it;
    }
  }
  EXPECT_EQ(table.size(), model.size());
}

TEST(FixedTableTest, ShrinksWhenSparseAndClears) {
  FixedTable table;
  std::mt19937_64 random(5);
  for (int i = 0; i < 10000; ++i) table.TryEmplace(KeyOf(random));
  const std::size_t grown = table.capacity();
  int kept = 0;
  table.EraseIf([&](const FixedTable::Counter&) { return ++kept > 100; });
  ASSERT_EQ(table.size(), 100u);
  table.ShrinkIfSparse();
  EXPECT_LT(table.capacity(), grown);
  EXPECT_GE(table.capacity(), 200u);
  std::size_t left = 0;
  table.ForEach([&](const FixedTable::Counter&) { ++left; });
  EXPECT_EQ(left, 100u);
  table.Clear();
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.capacity(), 0u);
  EXPECT_TRUE(table.TryEmplace(9).second);
}

// 24-byte slots at most 4/5 full, grown by half: at 1M counters over 256 tables (the
// store's default shards), well under the 54 bytes per key of the flat map before.
TEST(FixedTableTest, SlotsPerCounterStayBounded) {
  FixedTable table;
  std::mt19937_64 random(9);
  for (int i = 0; i < 3906; ++i) table.TryEmplace(KeyOf(random));
  EXPECT_LE(table.capacity() * 24, std::size_t{3906} * 40);
  EXPECT_LE(table.size(), FixedTable::MaxLoad(table.capacity()));
}

}  // namespace
}  // namespace limitsd::storage::memory
