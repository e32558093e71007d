#include "storage/memcached/memcached_key.h"

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
  EXPECT_EQ(keys.Encode("{api/alice}"), "limitsd:k:{api/alice}");
}

TEST(MemcachedKeyEncoderTest, UnsafeBytesAreEscapedNotDropped) {
  const MemcachedKeyEncoder keys("p:");
  const std::vector<std::string> ids = {"a b", "a%20b", "a\tb", "a\nb", "ab", "a\x7f" "b",
                                        "a\xc3\xa9" "b", std::string("a\0b", 3), "a%b"};
  std::set<std::string> encoded;
  for (const std::string& id : ids) {
    const std::string key = keys.Encode(id);
    EXPECT_TRUE(SafeForMemcached(key)) << key;
    encoded.insert(key);
  }
  EXPECT_EQ(encoded.size(), ids.size());
  EXPECT_EQ(keys.Encode("a b"), "p:k:a%20b");
  EXPECT_EQ(keys.Encode("a%20b"), "p:k:a%2520b");
}

TEST(MemcachedKeyEncoderTest, LongIdsAreHashedWithoutCollisions) {
  const MemcachedKeyEncoder keys("limitsd:");
  const std::string long_a(300, 'a');
  std::string long_b = long_a;
  long_b.back() = 'b';
  const std::string ka = keys.Encode(long_a);
  const std::string kb = keys.Encode(long_b);
  EXPECT_TRUE(SafeForMemcached(ka));
  EXPECT_TRUE(ka.starts_with("limitsd:h:")) << ka;
  EXPECT_EQ(ka.size(), std::string("limitsd:h:").size() + 64);
  EXPECT_NE(ka, kb);
  // An id that escapes past 250 bytes is hashed too, even though it is short.
  EXPECT_TRUE(keys.Encode(std::string(100, ' ')).starts_with("limitsd:h:"));
  // The longest id that fits is kept readable.
  const std::string fits(250 - std::string("limitsd:").size() - 2, 'x');
  EXPECT_EQ(keys.Encode(fits).size(), 250u);
  EXPECT_EQ(keys.Encode(fits), "limitsd:k:" + fits);
  EXPECT_TRUE(keys.Encode(fits + "x").starts_with("limitsd:h:"));
}

TEST(MemcachedKeyEncoderTest, RejectsUnsafeOrLongPrefixes) {
  EXPECT_THROW(MemcachedKeyEncoder("a b"), ConfigurationError);
  EXPECT_THROW(MemcachedKeyEncoder("a%"), ConfigurationError);
  EXPECT_THROW(MemcachedKeyEncoder(std::string(200, 'p')), ConfigurationError);
  EXPECT_NO_THROW(MemcachedKeyEncoder(""));
}

}  // namespace
}  // namespace limitsd::storage::memcached
