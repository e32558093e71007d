#include "storage/memory/key_digest.h"

#include <bit>
#include <random>
#include <string>
#include <unordered_set>

#include <gtest/gtest.h>

#include "storage/storage_key.h"

namespace limitsd::storage::memory {
namespace {

struct DigestHash {
  std::size_t operator()(const KeyDigest& d) const { return d.lo ^ (d.hi * 31); }
};

TEST(KeyDigestTest, IsDeterministicPerSeed) {
  const KeyHasher a(42);
  const KeyHasher b(42);
  EXPECT_EQ(a.Digest("LIMITER/user/10/1/minute"), b.Digest("LIMITER/user/10/1/minute"));
  EXPECT_NE(a.Digest("LIMITER/user/10/1/minute"), KeyHasher(43).Digest("LIMITER/user/10/1/minute"));
  EXPECT_EQ(a.Hash64("x"), a.Digest("x").lo);
}

TEST(KeyDigestTest, RandomHashersDiffer) {
  EXPECT_NE(KeyHasher::Random().Digest("key"), KeyHasher::Random().Digest("key"));
}

TEST(KeyDigestTest, LengthAndZeroPaddingMatter) {
  const KeyHasher hasher(1);
  std::unordered_set<KeyDigest, DigestHash> seen;
  for (std::size_t n = 0; n <= 64; ++n) {
    EXPECT_TRUE(seen.insert(hasher.Digest(std::string(n, '\0'))).second) << n;
    EXPECT_TRUE(seen.insert(hasher.Digest('a' + std::string(n, '\0'))).second) << n;
  }
}

TEST(KeyDigestTest, NoCollisionsInManyKeys) {
  const KeyHasher hasher(7);
  std::unordered_set<KeyDigest, DigestHash> digests;
  std::unordered_set<std::uint64_t> lows;
  std::unordered_set<std::uint64_t> highs;
  digests.reserve(400'000);
  for (int i = 0; i < 400'000; ++i) {
    const KeyDigest d = hasher.Digest("LIMITER/user" + std::to_string(i) + "/100/1/minute");
    ASSERT_TRUE(digests.insert(d).second) << i;
    // 64-bit lanes collide among 400k keys with probability ~4e-9 each.
    ASSERT_TRUE(lows.insert(d.lo).second) << i;
    ASSERT_TRUE(highs.insert(d.hi).second) << i;
  }
}

// Flipping one input bit flips each output bit with probability close to 1/2.
TEST(KeyDigestTest, Avalanches) {
  const KeyHasher hasher(3);
  std::mt19937_64 random(99);
  std::vector<int> flips(128, 0);
  int trials = 0;
  for (int round = 0; round < 200; ++round) {
    std::string key(1 + random() % 40, ' ');
    for (char& c : key) c = static_cast<char>(random());
    const KeyDigest base = hasher.Digest(key);
    for (std::size_t bit = 0; bit < key.size() * 8; ++bit) {
      std::string flipped = key;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      const KeyDigest d = hasher.Digest(flipped);
      for (int i = 0; i < 64; ++i) {
        flips[i] += static_cast<int>(((base.lo ^ d.lo) >> i) & 1);
        flips[64 + i] += static_cast<int>(((base.hi ^ d.hi) >> i) & 1);
      }
      ++trials;
    }
  }
  for (int i = 0; i < 128; ++i) {
    const double p = static_cast<double>(flips[i]) / trials;
    EXPECT_GT(p, 0.45) << "output bit " << i;
    EXPECT_LT(p, 0.55) << "output bit " << i;
  }
}

TEST(KeyDigestTest, HashTag) {
  EXPECT_EQ(HashTag("{user}/10/minute"), "user");
  EXPECT_EQ(HashTag("LIMITS:{api/alice}/5/1/second"), "api/alice");
  EXPECT_EQ(HashTag("a}{b}c"), "b");
  EXPECT_EQ(HashTag("{{a}}"), "{a");
  EXPECT_EQ(HashTag("{}x"), "{}x");  // an empty tag is no tag
  EXPECT_EQ(HashTag("{open"), "{open");
  EXPECT_EQ(HashTag("plain"), "plain");
  EXPECT_EQ(HashTag(""), "");
}

TEST(KeyDigestTest, TaggedDigestHashesTheTagAsHash64Does) {
  const KeyHasher hasher(7);
  const std::string key = "{fixed-window:100/minute user42}/fixed-window/100/1/minute";
  const std::size_t close = key.find('}');
  const KeyHasher::Tagged t = hasher.DigestTagged(key, close);
  EXPECT_EQ(t.tag_hash, hasher.Hash64("fixed-window:100/minute user42"));
  EXPECT_EQ(t.digest, hasher.DigestTagged(key, close).digest);
  EXPECT_NE(t.digest, hasher.Digest(key));  // a distinct construction
}

TEST(KeyDigestTest, TaggedDigestsOfDistinctKeysDiffer) {
  const KeyHasher hasher(11);
  std::unordered_set<KeyDigest, DigestHash> seen;
  // Every tag length and rest length up to 40, and the same bytes split at other places.
  for (std::size_t tag = 1; tag <= 40; ++tag) {
    for (std::size_t rest = 0; rest <= 40; ++rest) {
      const std::string key = "{" + std::string(tag, 'x') + "}" + std::string(rest, 'x');
      EXPECT_TRUE(seen.insert(hasher.DigestTagged(key, tag + 1).digest).second) << key;
    }
  }
  for (int i = 0; i < 10'000; ++i) {
    const std::string key = "{api user" + std::to_string(i) + "}/fixed-window/1/1/second";
    EXPECT_TRUE(seen.insert(hasher.DigestTagged(key, key.find('}')).digest).second) << key;
  }
}

TEST(KeyDigestTest, KeyedDigestsOfEverySplitDiffer) {
  const KeyHasher parts(13);
  const KeyHasher store(17);
  std::unordered_set<KeyDigest, DigestHash> seen;
  std::unordered_set<std::uint64_t> tags;
  // Every split of the same bytes into name, key and suffix; and each whole as plain keys.
  const std::string bytes = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (std::size_t name = 0; name <= bytes.size(); ++name) {
    for (std::size_t key = 0; name + key <= bytes.size(); ++key) {
      const std::string_view b(bytes);
      const KeyHasher::KeyedTag tag =
          store.Keyed(parts.NamePrefix(b.substr(0, name)), b.substr(name, key));
      tags.insert(KeyHasher::TagHash(tag));
      const KeyDigest d = store.KeyedDigest(tag, parts.SuffixId(b.substr(name + key)));
      EXPECT_TRUE(seen.insert(d).second) << name << " " << key;
    }
    EXPECT_TRUE(seen.insert(store.Digest(bytes.substr(0, name))).second) << name;
  }
  EXPECT_EQ(tags.size(), (bytes.size() + 1) * (bytes.size() + 2) / 2);
}

TEST(KeyDigestTest, KeyedDigestDependsOnTheStoreSeed) {
  const KeyHasher parts(1);
  const KeyHasher::Lanes name = parts.NamePrefix("api");
  const KeyDigest suffix = parts.SuffixId("/fixed-window/1/1/second");
  const KeyHasher a(2);
  const KeyHasher b(3);
  EXPECT_NE(a.KeyedDigest(a.Keyed(name, "user"), suffix),
            b.KeyedDigest(b.Keyed(name, "user"), suffix));
  EXPECT_EQ(a.KeyedDigest(a.Keyed(name, "user"), suffix),
            a.KeyedDigest(a.Keyed(name, "user"), suffix));
}

TEST(KeyDigestTest, EveryByteOfAShortTailCounts) {
  const KeyHasher hasher(3);
  for (std::size_t n = 1; n <= 24; ++n) {
    const std::string base(n, 'a');
    const KeyDigest d = hasher.Digest(base);
    for (std::size_t i = 0; i < n; ++i) {
      std::string changed = base;
      changed[i] = 'b';
      EXPECT_NE(hasher.Digest(changed), d) << "length " << n << ", byte " << i;
    }
  }
}

TEST(KeyDigestTest, TableHashIsTheHighLane) {
  const KeyDigest d = KeyHasher(5).Digest("k");
  EXPECT_EQ(KeyDigestHash{}(d), d.hi);
}

}  // namespace
}  // namespace limitsd::storage::memory
