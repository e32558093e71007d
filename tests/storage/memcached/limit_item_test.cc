#include "storage/memcached/limit_item.h"

#include <gtest/gtest.h>

namespace limitsd::storage::memcached {
namespace {

LimitItem Sample() {
  LimitItem item;
  item.rates.push_back({"{a}/fixed", FixedRecord{7, 1'700'000'060'000'000}});
  item.rates.push_back(
      {"{a}/moving", MovingRecord{60'000'000, {{1'700'000'000'500'000, 3}, {1'699'999'990'000'000, 1}}}});
  item.rates.push_back({"{a}/sliding", SlidingRecord{3'600'000'000, 472'222, 12, 5}});
  item.rates.push_back({"{a}/empty-moving", MovingRecord{1'000'000, {}}});
  item.rates.push_back({"{a}/negative", FixedRecord{0, -5}});
  return item;
}

TEST(LimitItemTest, RoundTrips) {
  const LimitItem item = Sample();
  const std::optional<LimitItem> decoded = LimitItem::Decode(item.Encode());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, item);
  EXPECT_EQ(LimitItem::Decode(LimitItem{}.Encode()), LimitItem{});
}

TEST(LimitItemTest, RejectsWhatItDidNotWrite) {
  const std::string bytes = Sample().Encode();
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(LimitItem::Decode(bytes.substr(0, cut)).has_value()) << cut;
  }
  EXPECT_FALSE(LimitItem::Decode(bytes + "x").has_value());
  EXPECT_FALSE(LimitItem::Decode("12").has_value());  // a plain memcached counter
  std::string wrong_version = bytes;
  wrong_version[0] = 9;
  EXPECT_FALSE(LimitItem::Decode(wrong_version).has_value());
}

TEST(LimitItemTest, FindAddRemove) {
  LimitItem item = Sample();
  ASSERT_NE(item.Find("{a}/fixed"), nullptr);
  EXPECT_EQ(item.Find("{a}/none"), nullptr);
  RateRecord& added = item.FindOrAdd("{a}/new", RateRecord{"", FixedRecord{1, 2}});
  EXPECT_EQ(added.key, "{a}/new");
  EXPECT_EQ(&item.FindOrAdd("{a}/new", RateRecord{}), item.Find("{a}/new"));
  EXPECT_TRUE(item.Remove("{a}/new"));
  EXPECT_FALSE(item.Remove("{a}/new"));
}

TEST(LimitItemTest, WorstCaseBoundHolds) {
  // amount runs of one unit each, spread over the whole window: the most bytes possible.
  constexpr std::int64_t kAmount = 1000;
  constexpr std::int64_t kWindow = 10LL * 365 * 24 * 3600 * 1'000'000;
  MovingRecord record{kWindow, {}};
  for (std::int64_t i = 0; i < kAmount; ++i) {
    record.runs.push_back({1'700'000'000'000'000 - i * (kWindow / kAmount), 1});
  }
  LimitItem item;
  item.rates.push_back({"", record});
  const auto encoded = static_cast<std::int64_t>(item.Encode().size());
  EXPECT_LE(encoded, MovingWindowWorstBytes(kAmount, kWindow) + 4);
  EXPECT_GT(encoded, MovingWindowWorstBytes(kAmount, kWindow) / 2);
}

}  // namespace
}  // namespace limitsd::storage::memcached
