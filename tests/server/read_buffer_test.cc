#include "server/read_buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace limitsd::server {
namespace {

void Append(ReadBuffer& buffer, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const std::span<char> room = buffer.Writable();
    ASSERT_FALSE(room.empty()) << "no room after " << done << " bytes";
    const std::size_t n = std::min(room.size(), bytes.size() - done);
    bytes.copy(room.data(), n, done);
    buffer.Commit(n);
    done += n;
  }
}

TEST(ReadBuffer, StartsSmall) {
  ReadBuffer buffer(1 << 20);
  EXPECT_EQ(buffer.capacity(), ReadBuffer::kInitialBytes);
  EXPECT_EQ(buffer.Writable().size(), ReadBuffer::kInitialBytes);
}

TEST(ReadBuffer, GrowsOnlyWhileOneUnconsumedRequestFillsIt) {
  ReadBuffer buffer(100000);
  const std::string big(10000, 'x');
  Append(buffer, big);
  EXPECT_EQ(buffer.Data(), big);
  EXPECT_EQ(buffer.capacity(), 16384u);  // doubled twice, no further than needed
}

TEST(ReadBuffer, MovesAnUnfinishedRequestToTheFrontRatherThanGrowing) {
  ReadBuffer buffer(1 << 20);
  Append(buffer, std::string(4000, 'a'));
  buffer.Consume(3990);
  Append(buffer, std::string(100, 'b'));
  EXPECT_EQ(buffer.capacity(), ReadBuffer::kInitialBytes);
  EXPECT_EQ(buffer.Data(), std::string(10, 'a') + std::string(100, 'b'));
}

TEST(ReadBuffer, ReadsThatFillItGrowItForABurstThenItShrinksBack) {
  ReadBuffer buffer(8192);  // requests alone would stop at 8 KiB
  for (std::size_t expected = ReadBuffer::kInitialBytes; expected <= ReadBuffer::kBurstBytes;
       expected *= 2) {
    const std::span<char> room = buffer.Writable();
    ASSERT_EQ(buffer.capacity(), expected);
    buffer.Commit(room.size());  // the read filled it: the client has more waiting
    buffer.Consume(room.size());
    buffer.Shrink();             // a full read means busy: keeps the size
  }
  EXPECT_EQ(buffer.Writable().size(), ReadBuffer::kBurstBytes);  // no further than that
  buffer.Commit(10);
  buffer.Consume(10);
  buffer.Shrink();
  EXPECT_EQ(buffer.capacity(), ReadBuffer::kInitialBytes);
}

TEST(ReadBuffer, StopsAtItsLimit) {
  ReadBuffer buffer(100000);
  Append(buffer, std::string(100000, 'x'));
  EXPECT_EQ(buffer.capacity(), 100000u);
  EXPECT_TRUE(buffer.Writable().empty());
}

TEST(ReadBuffer, ShrinksBackOnlyWhenEverythingIsConsumed) {
  ReadBuffer buffer(1 << 20);
  Append(buffer, std::string(20000, 'x'));
  buffer.Consume(19999);
  buffer.Shrink();  // one byte still unconsumed: keeps it
  EXPECT_EQ(buffer.Data(), "x");
  buffer.Consume(1);
  buffer.Shrink();
  EXPECT_EQ(buffer.capacity(), ReadBuffer::kInitialBytes);
  Append(buffer, "PING\n");
  EXPECT_EQ(buffer.Data(), "PING\n");
}

}  // namespace
}  // namespace limitsd::server
