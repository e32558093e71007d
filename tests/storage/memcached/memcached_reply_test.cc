#include "storage/memcached/memcached_reply.h"

#include <gtest/gtest.h>

#include "storage/storage_error.h"

namespace limitsd::storage::memcached {
namespace {

ParseStatus ParseAll(std::string_view in, MemcachedReply& reply, std::size_t& used) {
  return ReplyParser::Parse(in, reply, used);
}

TEST(ReplyParserTest, StatusLines) {
  for (const std::string line : {"STORED", "EXISTS", "NOT_FOUND", "NOT_STORED", "42",
                                 "VERSION 1.6.18", "SERVER_ERROR out of memory"}) {
    MemcachedReply reply;
    std::size_t used = 0;
    ASSERT_EQ(ParseAll(line + "\r\nrest", reply, used), ParseStatus::kComplete) << line;
    EXPECT_EQ(reply.status, line);
    EXPECT_EQ(used, line.size() + 2);
    EXPECT_FALSE(reply.has_value);
  }
}

TEST(ReplyParserTest, ValueWithCasAndBinaryData) {
  const std::string data("a\r\nEND\r\n\0z", 11);
  const std::string wire =
      "VALUE k 5 " + std::to_string(data.size()) + " 991\r\n" + data + "\r\nEND\r\nSTORED\r\n";
  MemcachedReply reply;
  std::size_t used = 0;
  ASSERT_EQ(ParseAll(wire, reply, used), ParseStatus::kComplete);
  EXPECT_TRUE(reply.has_value);
  EXPECT_EQ(reply.value, data);
  EXPECT_EQ(reply.flags, 5u);
  EXPECT_EQ(reply.cas, 991u);
  EXPECT_EQ(reply.status, "END");
  EXPECT_EQ(wire.substr(used), "STORED\r\n");
}

TEST(ReplyParserTest, IncompleteAtEveryCut) {
  const std::string wire = "VALUE k 0 3 7\r\nabc\r\nEND\r\n";
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    MemcachedReply reply;
    std::size_t used = 0;
    EXPECT_EQ(ParseAll(wire.substr(0, cut), reply, used), ParseStatus::kIncomplete) << cut;
  }
  MemcachedReply reply;
  std::size_t used = 0;
  EXPECT_EQ(ParseAll(wire, reply, used), ParseStatus::kComplete);
  EXPECT_EQ(used, wire.size());
}

TEST(ReplyParserTest, Malformed) {
  MemcachedReply reply;
  std::size_t used = 0;
  EXPECT_EQ(ParseAll("VALUE k x 3\r\nabc\r\nEND\r\n", reply, used), ParseStatus::kMalformed);
  EXPECT_EQ(ParseAll("VALUE k 0 3\r\nabcd\r\nEND\r\n", reply, used), ParseStatus::kMalformed);
  EXPECT_EQ(ParseAll(std::string(5000, 'x'), reply, used), ParseStatus::kMalformed);
}

TEST(ReplyErrorTest, MapsFailures) {
  MemcachedReply reply;
  reply.status = "SERVER_ERROR object too large for cache";
  EXPECT_EQ(ReplyError(reply), StorageErrc::kTooLarge);
  EXPECT_FALSE(BreaksStream(reply));
  reply.status = "SERVER_ERROR out of memory storing object";
  EXPECT_EQ(ReplyError(reply), StorageErrc::kUnavailable);
  reply.status = "CLIENT_ERROR bad data chunk";
  EXPECT_EQ(ReplyError(reply), StorageErrc::kProtocol);
  EXPECT_TRUE(BreaksStream(reply));
  reply.status = "ERROR";
  EXPECT_TRUE(BreaksStream(reply));
}

}  // namespace
}  // namespace limitsd::storage::memcached
