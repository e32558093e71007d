#include "protocol/reply_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"

namespace limitsd::protocol {
namespace {

struct Written {
  std::string out;
  ReplyWriter writer{out};
};

TEST(ReplyWriter, LineDecisions) {
  Written w;
  w.writer.Decision(Wire::kLine, {true, 3, 2, 59999, 0});
  w.writer.Decision(Wire::kLine, {false, 3, 0, 1000, 250});
  w.writer.Decision(Wire::kLine, {false, 5, 5, 0, -1});
  EXPECT_EQ(w.out, "OK 3 2 59999 0\nDENY 3 0 1000 250\nDENY 5 5 0 -1\n");
}

TEST(ReplyWriter, RespDecisions) {
  Written w;
  w.writer.Decision(Wire::kResp, {true, 100, 99, 60000, 0});
  w.writer.Decision(Wire::kResp, {false, 1, 0, 10, -1});
  EXPECT_EQ(w.out,
            "*5\r\n:1\r\n:100\r\n:99\r\n:60000\r\n:0\r\n"
            "*5\r\n:0\r\n:1\r\n:0\r\n:10\r\n:-1\r\n");
}

TEST(ReplyWriter, AShadowedDecisionAddsATokenOnTheLineOnly) {
  Written w;
  w.writer.Decision(Wire::kLine, {true, 3, 0, 1000, 0, true});
  w.writer.Decision(Wire::kResp, {true, 3, 0, 1000, 0, true});
  EXPECT_EQ(w.out, "OK 3 0 1000 0 shadow\n*5\r\n:1\r\n:3\r\n:0\r\n:1000\r\n:0\r\n");
}

TEST(ReplyWriter, ExtremeNumbersFit) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  Written w;
  w.writer.Decision(Wire::kResp, {false, kMin, kMin, kMin, kMin});
  w.writer.Decision(Wire::kLine, {false, kMax, kMin, kMax, kMin});
  const std::string min = std::to_string(kMin);
  const std::string max = std::to_string(kMax);
  EXPECT_EQ(w.out, "*5\r\n:0\r\n:" + min + "\r\n:" + min + "\r\n:" + min + "\r\n:" + min +
                       "\r\nDENY " + max + " " + min + " " + max + " " + min + "\n");
}

// The numbers are written as std::to_string writes them, at every length and on both sides
// of each power of ten (the short ones are written without std::to_chars).
TEST(ReplyWriter, EveryNumberIsWrittenInDecimal) {
  std::vector<std::int64_t> values = {0,
                                      -1,
                                      -9,
                                      -10,
                                      99'999'999,
                                      100'000'000,
                                      std::numeric_limits<std::int64_t>::max(),
                                      std::numeric_limits<std::int64_t>::min()};
  for (std::int64_t v = 0; v <= 1000; ++v) values.push_back(v);
  std::int64_t power = 1;
  for (int digits = 1; digits <= 18; ++digits) {
    power *= 10;
    for (std::int64_t near : {power - 1, power, power + 1, 2 * power - 1, 5 * power + 3}) {
      values.push_back(near);
      values.push_back(-near);
    }
  }
  for (const std::int64_t v : values) {
    const std::string s = std::to_string(v);
    std::string out;
    protocol::ReplyWriter writer(out);
    writer.Decision(Wire::kLine, {true, v, v, v, v});
    writer.Decision(Wire::kResp, {false, v, v, v, v});
    EXPECT_EQ(out, "OK " + s + " " + s + " " + s + " " + s + "\n*5\r\n:0\r\n:" + s + "\r\n:" + s +
                       "\r\n:" + s + "\r\n:" + s + "\r\n")
        << v;
  }
}

TEST(ReplyWriter, AppendsToWhatIsThere) {
  std::string out = "PONG\n";
  ReplyWriter writer(out);
  writer.Ok(Wire::kLine);
  EXPECT_EQ(out, "PONG\nOK\n");
}

TEST(ReplyWriter, SimpleReplies) {
  Written w;
  w.writer.Ok(Wire::kLine);
  w.writer.Pong(Wire::kLine);
  w.writer.Bye(Wire::kLine);
  w.writer.Ok(Wire::kResp);
  w.writer.Pong(Wire::kResp);
  w.writer.Bye(Wire::kResp);
  EXPECT_EQ(w.out, "OK\nPONG\nBYE\n+OK\r\n+PONG\r\n+OK\r\n");
}

TEST(ReplyWriter, RespPingEchoesItsArgumentAsABulkString) {
  Written w;
  const std::string arg("hi\r\nthere");
  w.writer.Pong(Wire::kResp, arg);
  w.writer.Pong(Wire::kResp, std::string_view("", 0));
  EXPECT_EQ(w.out, "$9\r\nhi\r\nthere\r\n$0\r\n\r\n");
}

TEST(ReplyWriter, Errors) {
  Written w;
  w.writer.Error(Wire::kLine, ErrorCode::kUnknownLimit, "no limit named 'x'");
  w.writer.Error(Wire::kResp, ErrorCode::kBadCost, "cost must be 1 to 1000000000");
  w.writer.Error(Wire::kLine, ErrorCode::kOverloaded, "");
  EXPECT_EQ(w.out,
            "ERR unknown_limit no limit named 'x'\n"
            "-ERR bad_cost cost must be 1 to 1000000000\r\n"
            "ERR overloaded\n");
}

TEST(ReplyWriter, ErrorMessagesAreOneLine) {
  Written w;
  w.writer.Error(Wire::kResp, ErrorCode::kSyntax, std::string_view("a\r\nb\0c\x7f", 7));
  EXPECT_EQ(w.out, "-ERR syntax a??b?c?\r\n");
}

TEST(ReplyWriter, LongMessagesAreCut) {
  Written w;
  w.writer.Error(Wire::kLine, ErrorCode::kBadRate, std::string(2000, 'r'));
  EXPECT_EQ(w.out, "ERR bad_rate " + std::string(ReplyWriter::kMaxMessageBytes, 'r') + "...\n");
}

TEST(ReplyWriter, EveryErrorCodeHasItsName) {
  const std::pair<ErrorCode, const char*> kCodes[] = {
      {ErrorCode::kSyntax, "syntax"},         {ErrorCode::kUnknownCommand, "unknown_command"},
      {ErrorCode::kUnknownLimit, "unknown_limit"}, {ErrorCode::kBadRate, "bad_rate"},
      {ErrorCode::kBadKey, "bad_key"},        {ErrorCode::kBadCost, "bad_cost"},
      {ErrorCode::kUnsupported, "unsupported"}, {ErrorCode::kStorage, "storage"},
      {ErrorCode::kForbidden, "forbidden"},   {ErrorCode::kTooLong, "too_long"},
      {ErrorCode::kOverloaded, "overloaded"}, {ErrorCode::kStorageFull, "storage_full"}};
  for (const auto& [code, name] : kCodes) {
    Written w;
    w.writer.Error(Wire::kLine, code, "m");
    EXPECT_EQ(w.out, std::string("ERR ") + name + " m\n");
  }
}

TEST(ReplyWriter, ParseErrorsAreAnsweredOnTheirWire) {
  RequestParser parser(4096);
  Written w;
  w.writer.Error(parser.Next("HIT a b 0\n").error);
  w.writer.Error(parser.Next("*1\r\n$3\r\nGET\r\n").error);
  EXPECT_EQ(w.out,
            "ERR bad_cost cost must be an integer from 1 to 1000000000, got '0'\n"
            "-ERR unknown_command unknown command 'GET', expected HIT, TEST, STATS, RESET, "
            "CLEAR, PING or QUIT\r\n");
}

Request Handshake(Handshake which, std::string_view argument = {}) {
  Request request;
  request.wire = Wire::kResp;
  request.verb = Verb::kHandshake;
  request.handshake = which;
  request.argument = argument;
  return request;
}

TEST(ReplyWriter, Handshakes) {
  Written w;
  w.writer.Handshake(Handshake(Handshake::kHello, "3"));
  EXPECT_EQ(w.out.rfind("-ERR unknown command 'HELLO'", 0), 0u) << w.out;
  EXPECT_NE(w.out.find("unknown_command"), std::string::npos);
  EXPECT_EQ(w.out.substr(w.out.size() - 2), "\r\n");
  EXPECT_EQ(w.out.find('\n'), w.out.size() - 1);

  const std::pair<Request, std::string> kCases[] = {
      {Handshake(Handshake::kClient, "SETNAME"), "+OK\r\n"},
      {Handshake(Handshake::kClient, "SETINFO"), "+OK\r\n"},
      {Handshake(Handshake::kCommand), "*0\r\n"},
      {Handshake(Handshake::kCommand, "DOCS"), "*0\r\n"},
      {Handshake(Handshake::kCommand, "count"), ":0\r\n"},
      {Handshake(Handshake::kSelect, "0"), "+OK\r\n"},
  };
  for (const auto& [request, expected] : kCases) {
    Written one;
    one.writer.Handshake(request);
    EXPECT_EQ(one.out, expected) << request.argument;
  }
}

TEST(ReplyWriter, InfoIsABulkStringThatSaysNotLoading) {
  Written w;
  w.writer.Handshake(Handshake(Handshake::kInfo));
  ASSERT_EQ(w.out.rfind("$", 0), 0u);
  const std::size_t header_end = w.out.find("\r\n");
  const std::size_t length = std::stoul(w.out.substr(1, header_end - 1));
  EXPECT_EQ(w.out.size(), header_end + 2 + length + 2);
  const std::string body = w.out.substr(header_end + 2, length);
  EXPECT_EQ(body.rfind("# Server\r\n", 0), 0u);
  EXPECT_NE(body.find("\r\nloading:0\r\n"), std::string::npos);
}

// Reads a RESP2 array whose elements are bulk strings (kept as their text), integers (kept
// as ":<n>") or empty arrays ("*0"); false on anything else or on trailing bytes.
bool ReadFlatArray(std::string_view in, std::vector<std::string>& items) {
  auto next_line = [&in](std::string& line) {
    const std::size_t end = in.find("\r\n");
    if (end == std::string_view::npos || end == 0) return false;
    line = in.substr(0, end);
    in.remove_prefix(end + 2);
    return true;
  };
  std::string header;
  if (!next_line(header) || header[0] != '*') return false;
  for (int i = std::stoi(header.substr(1)); i > 0; --i) {
    std::string item;
    if (!next_line(item)) return false;
    if (item[0] == '$') {
      const std::size_t length = std::stoul(item.substr(1));
      if (in.size() < length + 2 || in.substr(length, 2) != "\r\n") return false;
      item = in.substr(0, length);
      in.remove_prefix(length + 2);
    } else if (item[0] != ':' && item != "*0") {
      return false;
    }
    items.push_back(item);
  }
  return in.empty();
}

TEST(ReplyWriter, HelloTwoIsAnsweredAsRedisSixDoesAndOtherHellosAreRefused) {
  Written w;
  w.writer.Handshake(Handshake(Handshake::kHello, "2"));
  std::vector<std::string> items;
  ASSERT_TRUE(ReadFlatArray(w.out, items)) << w.out;
  ASSERT_EQ(items.size(), 14u) << w.out;
  std::map<std::string, std::string> fields;
  for (std::size_t i = 0; i < items.size(); i += 2) fields[items[i]] = items[i + 1];
  EXPECT_EQ(fields["server"], "limitsd");
  EXPECT_TRUE(std::regex_match(fields["version"], std::regex("[0-9]+\\.[0-9]+\\.[0-9]+")))
      << fields["version"];
  EXPECT_EQ(fields["proto"], ":2");
  EXPECT_EQ(fields["mode"], "standalone");
  EXPECT_EQ(fields["role"], "master");
  EXPECT_EQ(fields["modules"], "*0");
  EXPECT_EQ(fields.count("id"), 1u);

  for (std::string_view refused : {"3", "", "22"}) {
    Written one;
    Request hello = Handshake(Handshake::kHello, refused);
    if (refused.empty()) hello.argument = {};  // a bare HELLO: no argument at all
    one.writer.Handshake(hello);
    EXPECT_EQ(one.out.rfind("-ERR unknown command 'HELLO'", 0), 0u) << refused << ": " << one.out;
  }
}

}  // namespace
}  // namespace limitsd::protocol

namespace limitsd::protocol {
namespace {

TEST(ReplyWriter, ThrottleIsRedisCellsFiveIntegers) {
  std::string out;
  ReplyWriter writer(out);
  writer.Throttle(ThrottleReplyOf({true, 16, 15, 2000, 0}));
  writer.Throttle(ThrottleReplyOf({false, 5, 0, 50000, 10000}));
  writer.Throttle(ThrottleReplyOf({false, 5, 5, 0, -1}));
  EXPECT_EQ(out,
            "*5\r\n:0\r\n:16\r\n:15\r\n:-1\r\n:2\r\n"
            "*5\r\n:1\r\n:5\r\n:0\r\n:10\r\n:50\r\n"
            "*5\r\n:1\r\n:5\r\n:5\r\n:-1\r\n:0\r\n");
}

TEST(ReplyWriter, ThrottleRoundsSecondsAsRedisCell) {
  EXPECT_EQ(ThrottleSeconds(0), 0);
  EXPECT_EQ(ThrottleSeconds(1), 1);
  EXPECT_EQ(ThrottleSeconds(2000), 2);  // exactly 2 s stays 2
  EXPECT_EQ(ThrottleSeconds(2001), 3);
  EXPECT_EQ(ThrottleSeconds(9999), 10);
  EXPECT_EQ(ThrottleSeconds(-1), -1);
}

}  // namespace
}  // namespace limitsd::protocol
