#include "storage/memcached/hash_ring.h"

#include <gtest/gtest.h>

namespace limitsd::storage::memcached {
namespace {

std::string KeyNumber(int i) { return "limitsd:0:k:{api/user" + std::to_string(i) + "}"; }

TEST(HashRingTest, PlacementDependsOnNamesNotOrder) {
  const HashRing ab({"10.0.0.1:11211", "10.0.0.2:11211"}, 160);
  const HashRing ba({"10.0.0.2:11211", "10.0.0.1:11211"}, 160);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(ab.Locate(KeyNumber(i)), 1 - ba.Locate(KeyNumber(i))) << KeyNumber(i);
  }
}

TEST(HashRingTest, SpreadsKeysEvenly) {
  const HashRing ring({"a:1", "b:1", "c:1"}, 160);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 30'000; ++i) ++counts[ring.Locate(KeyNumber(i))];
  for (const int n : counts) {
    EXPECT_GT(n, 7'000);
    EXPECT_LT(n, 13'000);
  }
}

TEST(HashRingTest, AddingAServerMovesFewKeysAndOnlyToIt) {
  const HashRing two({"a:1", "b:1"}, 160);
  const HashRing three({"a:1", "b:1", "c:1"}, 160);
  int moved = 0;
  constexpr int kKeys = 30'000;
  for (int i = 0; i < kKeys; ++i) {
    const std::size_t before = two.Locate(KeyNumber(i));
    const std::size_t after = three.Locate(KeyNumber(i));
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, 2u);
    }
  }
  // About a third should move; a modulo hash would move about two thirds.
  EXPECT_GT(moved, kKeys / 5);
  EXPECT_LT(moved, kKeys * 45 / 100);
}

TEST(HashRingTest, OneServerOwnsEverything) {
  const HashRing ring({"only:1"}, 160);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ring.Locate(KeyNumber(i)), 0u);
}

TEST(HashRingTest, HashIsStable) {
  // Daemons must agree: the hash is fixed, not std::hash.
  EXPECT_EQ(HashRing::Hash(""), HashRing::Hash(""));
  EXPECT_NE(HashRing::Hash("a"), HashRing::Hash("b"));
  EXPECT_EQ(HashRing::Hash("limitsd"), HashRing::Hash(std::string("limitsd")));
}

}  // namespace
}  // namespace limitsd::storage::memcached
