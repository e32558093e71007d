#include "server/hand_back_ledger.h"

#include <gtest/gtest.h>

#include <memory>

namespace limitsd::server {
namespace {

using Clock = HandBackLedger::Clock;
using std::chrono::seconds;

std::shared_ptr<const limits::Limit> Inline(std::string_view token) {
  auto parsed = limits::ParseInlineLimit(token, limits::StrategyKind::kFixedWindow);
  EXPECT_TRUE(parsed.limit) << parsed.error;
  return std::make_shared<const limits::Limit>(std::move(*parsed.limit));
}

TEST(HandBackLedger, AddsUpTheUnitsOfOneKeyOfOneLimit) {
  HandBackLedger ledger;
  const auto limit = Inline("10/minute");
  const auto other = Inline("10/minute");  // the same rates, another limit
  const Clock::time_point t0{};
  ledger.Record(limit, "a", 2, t0);
  ledger.Record(limit, "a", 3, t0 + seconds(1));
  ledger.Record(limit, "b", 1, t0);
  ledger.Record(other, "a", 4, t0);
  EXPECT_EQ(ledger.size(), 3u);
  std::int64_t expired = 0;
  std::int64_t total = 0;
  while (auto entry = ledger.Pop(t0 + seconds(2), expired)) {
    if (entry->limit == limit && entry->key == "a") {
      EXPECT_EQ(entry->cost, 5);
      EXPECT_EQ(entry->first, t0);
    }
    total += entry->cost;
  }
  EXPECT_EQ(total, 10);
  EXPECT_EQ(expired, 0);
  EXPECT_TRUE(ledger.empty());
}

TEST(HandBackLedger, DropsWhatTheLongestWindowNoLongerHolds) {
  HandBackLedger ledger;
  const Clock::time_point t0{};
  ledger.Record(Inline("10/second;100/minute"), "a", 3, t0);
  ledger.Record(Inline("10/second"), "b", 2, t0);
  std::int64_t expired = 0;
  const auto entry = ledger.Pop(t0 + seconds(30), expired);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->key, "a");  // its minute still counts the units
  EXPECT_EQ(expired, 2);
  EXPECT_FALSE(ledger.Pop(t0 + seconds(30), expired));
}

TEST(HandBackLedger, RestoreKeepsUnitsAdmittedMeanwhile) {
  HandBackLedger ledger;
  const auto limit = Inline("10/minute");
  const Clock::time_point t0{};
  ledger.Record(limit, "a", 2, t0 + seconds(1));
  std::int64_t expired = 0;
  auto entry = ledger.Pop(t0 + seconds(2), expired);
  ASSERT_TRUE(entry);
  ledger.Record(limit, "a", 1, t0 + seconds(3));
  ledger.Restore(std::move(*entry));
  entry = ledger.Pop(t0 + seconds(4), expired);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->cost, 3);
  EXPECT_EQ(entry->first, t0 + seconds(1));
}

TEST(HandBackLedger, IsBounded) {
  HandBackLedger ledger;
  const auto limit = Inline("10/minute");
  for (std::size_t i = 0; i < HandBackLedger::kMaxEntries; ++i) {
    ASSERT_TRUE(ledger.Record(limit, std::to_string(i), 1, Clock::time_point{}));
  }
  EXPECT_FALSE(ledger.Record(limit, "one more", 1, Clock::time_point{}));
  EXPECT_TRUE(ledger.Record(limit, "0", 1, Clock::time_point{}));  // a known key still adds
}

}  // namespace
}  // namespace limitsd::server
