#include "storage/memcached/memcached_key.h"

#include <limits>
#include <set>

#include <gtest/gtest.h>

#include "storage/configuration_error.h"

namespace limitsd::storage::memcached {
namespace {

bool SafeForMemcached(const std::string& key) {
  if (key.empty() || key.size() > MemcachedKeyEncoder::kMaxKeyBytes) return false;
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) return false;
  }
  return true;
}

TEST(ItemIdOfTest, HashTagNamesTheItem) {
  EXPECT_EQ(ItemIdOf("{api/alice}/fixed-window/10/60"), "{api/alice}");
  EXPECT_EQ(ItemIdOf("x{a}{b}"), "{a}");
  EXPECT_EQ(ItemIdOf("{}/rate"), "{}/rate");  // an empty tag is no tag, as in Redis Cluster
  EXPECT_EQ(ItemIdOf("plain"), "plain");
  EXPECT_EQ(ItemIdOf("open{only"), "open{only");
}

TEST(MemcachedKeyEncoderTest, PlainIdsStayReadable) {
  const MemcachedKeyEncoder keys("limitsd:");
  EXPECT_EQ(keys.Encode("{api/alice}", 7), "limitsd:7:k:{api/alice}");
}

TEST(MemcachedKeyEncoderTest, UnsafeBytesAreEscapedNotDropped) {
  const MemcachedKeyEncoder keys("p:");
  const std::vector<std::string> ids = {"a b", "a%20b", "a\tb", "a\nb", "ab", "a\x7f" "b",
                                        "a\xc3\xa9" "b", std::string("a\0b", 3), "a%b"};
  std::set<std::string> encoded;
  for (const std::string& id : ids) {
    const std::string key = keys.Encode(id, 0);
    EXPECT_TRUE(SafeForMemcached(key)) << key;
    encoded.insert(key);
  }
  EXPECT_EQ(encoded.size(), ids.size());
  EXPECT_EQ(keys.Encode("a b", 0), "p:0:k:a%20b");
  EXPECT_EQ(keys.Encode("a%20b", 0), "p:0:k:a%2520b");
}

TEST(MemcachedKeyEncoderTest, LongIdsAreHashedWithoutCollisions) {
  const MemcachedKeyEncoder keys("limitsd:");
  const std::string long_a(300, 'a');
  std::string long_b = long_a;
  long_b.back() = 'b';
  const std::string ka = keys.Encode(long_a, 12);
  const std::string kb = keys.Encode(long_b, 12);
  EXPECT_TRUE(SafeForMemcached(ka));
  EXPECT_TRUE(ka.starts_with("limitsd:12:h:")) << ka;
  EXPECT_EQ(ka.size(), std::string("limitsd:12:h:").size() + 64);
  EXPECT_NE(ka, kb);
  // An id that escapes past 250 bytes is hashed too, even though it is short.
  EXPECT_TRUE(keys.Encode(std::string(100, ' '), 1).starts_with("limitsd:1:h:"));
  // The longest id that fits with any generation (20 digits) is kept readable.
  const std::string fits(250 - std::string("limitsd:").size() - 21 - 2, 'x');
  EXPECT_LE(keys.Encode(fits, std::numeric_limits<std::int64_t>::max()).size(), 250u);
  EXPECT_EQ(keys.Encode(fits, 1), "limitsd:1:k:" + fits);
  EXPECT_TRUE(keys.Encode(fits + "x", 1).starts_with("limitsd:1:h:"));
}

TEST(MemcachedKeyEncoderTest, GenerationsNeverShareKeys) {
  const MemcachedKeyEncoder keys("limitsd:");
  EXPECT_NE(keys.Encode("{a}", 1), keys.Encode("{a}", 2));
  EXPECT_NE(keys.Encode("1:k:x", 0), keys.Encode("x", 1));
  EXPECT_NE(keys.GenerationKey(), keys.Encode("generation", 0));
}

TEST(MemcachedKeyEncoderTest, RejectsUnsafeOrLongPrefixes) {
  EXPECT_THROW(MemcachedKeyEncoder("a b"), ConfigurationError);
  EXPECT_THROW(MemcachedKeyEncoder("a%"), ConfigurationError);
  EXPECT_THROW(MemcachedKeyEncoder(std::string(200, 'p')), ConfigurationError);
  EXPECT_NO_THROW(MemcachedKeyEncoder(""));
}

}  // namespace
}  // namespace limitsd::storage::memcached
