// Streams: pipelined requests split at every byte boundary give the same events as the
// whole input; hostile input never breaks the parser's contract.
#include "protocol/request_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/protocol/parse_events.h"

namespace limitsd::protocol {
namespace {

using testing::ParseAll;
using Events = std::vector<std::string>;

const std::string kPipeline =
    "HIT api user42\r\n"
    "*4\r\n$3\r\nHIT\r\n$9\r\n10/second\r\n$1\r\nu\r\n$2\r\n25\r\n"
    "\n"
    "  test   api  u 3\n"
    "*1\r\n$4\r\nPING\r\n"
    "*0\r\n"
    "STATS api u\n"
    "*2\r\n$6\r\nSELECT\r\n$1\r\n5\r\n"
    "bogus\n"
    "*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n"
    "RESET api u\r\n"
    "HIT api u 0\n"
    "QUIT\n";

const Events kPipelineEvents = {"line HIT api user42 1",
                                "resp HIT 10/second u 25",
                                "line TEST api u 3",
                                "resp PING",
                                "line STATS api u",
                                "resp ERR unsupported",
                                "line ERR unknown_command",
                                "resp PING arg=hi",
                                "line RESET api u",
                                "line ERR bad_cost",
                                "line QUIT"};

TEST(RequestStream, PipelineWholeGivesEveryRequestInOrder) {
  EXPECT_EQ(ParseAll(kPipeline, 4096), kPipelineEvents);
}

TEST(RequestStream, PipelineOneByteAtATimeGivesTheSameRequests) {
  EXPECT_EQ(ParseAll(kPipeline, 4096, 1), kPipelineEvents);
}

TEST(RequestStream, PipelineSplitAtEveryBoundaryGivesTheSameRequests) {
  for (std::size_t chunk = 2; chunk <= kPipeline.size(); ++chunk) {
    EXPECT_EQ(ParseAll(kPipeline, 4096, chunk), kPipelineEvents) << "chunk " << chunk;
  }
}

// Two pieces, cut at each position: the first piece is parsed, then the rest arrives.
TEST(RequestStream, PipelineCutInTwoAtEveryPosition) {
  for (std::size_t cut = 0; cut <= kPipeline.size(); ++cut) {
    RequestParser parser(4096);
    std::string buffer = kPipeline.substr(0, cut);
    Events events;
    auto drain = [&] {
      for (;;) {
        const ParseResult result = parser.Next(buffer);
        if (result.kind != ParseResult::Kind::kNeedMore) {
          events.push_back(testing::Describe(result));
        }
        buffer.erase(0, result.consumed);
        if (result.kind == ParseResult::Kind::kNeedMore) {
          return;
        }
      }
    };
    drain();
    buffer += kPipeline.substr(cut);
    drain();
    EXPECT_EQ(events, kPipelineEvents) << "cut at " << cut;
  }
}

// White box: bytes already searched for '\n' are not searched again. The test breaks the
// caller's contract on purpose (it rewrites a byte the parser has seen) to observe that.
TEST(RequestStream, LineBytesAlreadySeenAreNotRescanned) {
  RequestParser parser(4096);
  std::string buffer = "HIT a b";
  EXPECT_EQ(parser.Next(buffer).kind, ParseResult::Kind::kNeedMore);
  buffer[3] = '\n';  // a rescanning parser would now see "HIT" as a complete line
  buffer += " 2";
  EXPECT_EQ(parser.Next(buffer).kind, ParseResult::Kind::kNeedMore);
  buffer[3] = ' ';
  buffer += "\n";
  const ParseResult result = parser.Next(buffer);
  ASSERT_EQ(result.kind, ParseResult::Kind::kRequest);
  EXPECT_EQ(result.request.cost, 2);
}

TEST(RequestStream, RespBulkBytesAlreadyParsedAreNotRescanned) {
  RequestParser parser(4096);
  std::string buffer = "*2\r\n$4\r\nPING\r\n$2\r\nh";
  EXPECT_EQ(parser.Next(buffer).kind, ParseResult::Kind::kNeedMore);
  buffer[0] = '!';  // the array header was parsed already; this byte is never read again
  buffer += "i\r\n";
  const ParseResult result = parser.Next(buffer);
  ASSERT_EQ(result.kind, ParseResult::Kind::kRequest);
  EXPECT_EQ(result.request.argument, "hi");
}

TEST(RequestStream, ShrunkInputRestartsTheFrame) {
  RequestParser parser(4096);
  EXPECT_EQ(parser.Next("*2\r\n$4\r\nPING\r\n$2\r\nh").kind, ParseResult::Kind::kNeedMore);
  const ParseResult result = parser.Next("PING\n");  // the caller dropped its buffer
  ASSERT_EQ(result.kind, ParseResult::Kind::kRequest);
  EXPECT_EQ(result.request.verb, Verb::kPing);
  EXPECT_EQ(result.request.wire, Wire::kLine);
}

TEST(RequestStream, ResetForgetsAPartialRequest) {
  RequestParser parser(4096);
  EXPECT_EQ(parser.Next("*2\r\n$4\r\nPI").kind, ParseResult::Kind::kNeedMore);
  parser.Reset();
  const ParseResult result = parser.Next("PING\n");
  ASSERT_EQ(result.kind, ParseResult::Kind::kRequest);
  EXPECT_EQ(result.request.wire, Wire::kLine);
}

// A RESP frame that is whole in the input is read in one pass, one that arrives in parts by
// RespFramer: at the edges of what the one-pass reader takes, both give the same events.
TEST(RequestStream, WholeRespFramesGiveTheEventsOfFramesInParts) {
  const std::string hit = "*3\r\n$3\r\nHIT\r\n$3\r\napi\r\n$1\r\nu\r\n";
  std::string sixteen = "*16\r\n$4\r\nPING\r\n";
  for (int i = 1; i < 16; ++i) sixteen += "$1\r\nx\r\n";
  const std::string seventeen = "*17\r\n" + sixteen.substr(5) + "$1\r\nx\r\n";
  const std::string key(64 - 6, 'k');  // with "HIT" and "api", 64 bytes: the bound
  const struct {
    std::string frame;
    Events expected;  // empty: only the same events whole and in parts
  } cases[] = {
      {hit, {"resp HIT api u 1", "resp HIT api u 1"}},
      {"*3\r\n$03\r\nHIT\r\n$0003\r\napi\r\n$000000001\r\nu\r\n",
       {"resp HIT api u 1", "resp HIT api u 1"}},
      {"*3\r\n$3\r\nHIT\r\n$3\r\napi\r\n$0000000001\r\nu\r\n",  // 10 digits
       {"resp HIT api u 1", "resp HIT api u 1"}},
      {"*000000003\r\n$3\r\nHIT\r\n$3\r\napi\r\n$1\r\nu\r\n",
       {"resp HIT api u 1", "resp HIT api u 1"}},
      {"*0000000003\r\n$3\r\nHIT\r\n$3\r\napi\r\n$1\r\nu\r\n",
       {"resp HIT api u 1", "resp HIT api u 1"}},
      {"*3\r\n$3\r\nHIT\r\n$3\r\napi\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n",
       {"resp HIT api " + key + " 1", "resp HIT api u 1"}},
      {"*3\r\n$3\r\nHIT\r\n$3\r\napi\r\n$" + std::to_string(key.size() + 1) + "\r\n" + key +
           "k\r\n",
       {"resp ERR too_long close"}},
      {"*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n", {"resp PING arg=hi", "resp HIT api u 1"}},
      {"*4\r\n$3\r\nHIT\r\n$3\r\napi\r\n$1\r\nu\r\n$2\r\n25\r\n",
       {"resp HIT api u 25", "resp HIT api u 1"}},
      {"*5\r\n$3\r\nHIT\r\n$3\r\napi\r\n$1\r\nu\r\n$2\r\n25\r\n$1\r\nx\r\n",
       {"resp ERR syntax", "resp HIT api u 1"}},
      {sixteen, {}},
      {seventeen, {"resp ERR too_long close"}},
      {"*0\r\n", {"resp HIT api u 1"}},
      {"*-1\r\n", {"resp HIT api u 1"}},
      {"*-0\r\n", {}},
      {"*-2\r\n", {"resp ERR syntax close"}},
      {"*3\r\n$3\r\nHIT\r\n$-0\r\n\r\n$1\r\nu\r\n", {}},
      {"*3\r\n$3\r\nHIT\r\n$-1\r\n$1\r\nu\r\n", {"resp ERR syntax close"}},
      {"*3\r\n$3\r\nHIT\r\n$3\r\napi\r\n$1\r\nuX\n", {"resp ERR syntax close"}},
      {"*3\r\n$3\r\nHIT\r\n$3\r\napi\n$1\r\nu\r\n", {"resp ERR syntax close"}},
      {"*3\r\n+3\r\nHIT\r\n$3\r\napi\r\n$1\r\nu\r\n", {"resp ERR syntax close"}},
      {"*3\r\n$\r\nHIT\r\n$3\r\napi\r\n$1\r\nu\r\n", {"resp ERR syntax close"}},
      {"*\r\n", {"resp ERR syntax close"}},
      {"*3\r\n$3\r\nHIT\r\n$3\r\napi\r\n$1234567890123456789\r\n", {"resp ERR syntax close"}},
  };
  for (const auto& c : cases) {
    const std::string input = c.frame + hit;
    const Events whole = ParseAll(input, 64);
    if (!c.expected.empty()) {
      EXPECT_EQ(whole, c.expected) << c.frame;
    }
    for (const std::string& event : whole) {
      ASSERT_EQ(event.rfind("BUG", 0), std::string::npos) << event;
    }
    for (std::size_t chunk = 1; chunk < input.size(); ++chunk) {
      ASSERT_EQ(ParseAll(input, 64, chunk), whole) << c.frame << " in parts of " << chunk;
    }
  }
}

// Pieces of valid requests, glued at random and mutated at random.
std::string PlausibleInput(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {"HIT api u\n",
                                                   "TEST a b 3\r\n",
                                                   "PING\n",
                                                   "\n",
                                                   "*1\r\n$4\r\nPING\r\n",
                                                   "*",
                                                   "$",
                                                   "\r\n",
                                                   "*3\r\n$3\r\nHIT\r\n$1\r\na\r\n$1\r\nb\r\n",
                                                   "*0\r\n",
                                                   "*-1\r\n",
                                                   "STATS",
                                                   " ",
                                                   "\t",
                                                   "9999999999",
                                                   "-1",
                                                   "$5\r\n",
                                                   "QUIT\n",
                                                   "\x01",
                                                   "\x7f",
                                                   "kkkkkkkkkkkkkkkk"};
  std::string out;
  const int pieces = std::uniform_int_distribution<int>(1, 30)(rng);
  for (int i = 0; i < pieces; ++i) {
    out += kPieces[std::uniform_int_distribution<std::size_t>(0, kPieces.size() - 1)(rng)];
  }
  const int mutations = std::uniform_int_distribution<int>(0, 3)(rng);
  for (int i = 0; i < mutations && !out.empty(); ++i) {
    out[std::uniform_int_distribution<std::size_t>(0, out.size() - 1)(rng)] =
        static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
  }
  return out;
}

std::string RandomBytes(std::mt19937& rng) {
  std::string out(std::uniform_int_distribution<std::size_t>(0, 300)(rng), '\0');
  for (char& c : out) {
    c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
  }
  return out;
}

// Never crashes, always progresses, and the result does not depend on how bytes arrive.
void CheckHostile(const std::string& input, std::mt19937& rng) {
  const Events whole = ParseAll(input, 64);
  for (const std::string& event : whole) {
    ASSERT_EQ(event.rfind("BUG", 0), std::string::npos) << event;
  }
  const std::size_t chunk = std::uniform_int_distribution<std::size_t>(1, 16)(rng);
  ASSERT_EQ(ParseAll(input, 64, chunk), whole) << "chunk " << chunk;
  ASSERT_EQ(ParseAll(input, 64, 1), whole);
}

// One result written over by every call (as RequestWindow keeps its results) says what a
// fresh result says: nothing of a request, an error or a cost before it is left over.
TEST(RequestStream, AResultWrittenOverGivesTheEventsOfFreshResults) {
  // A cost, then a request without one.
  const std::string input = kPipeline + "HIT api u 7\nTEST api u\n";
  RequestParser fresh(4096);
  RequestParser in_place(4096);
  ParseResult reused;
  std::size_t start = 0;
  for (;;) {
    const std::string_view rest = std::string_view(input).substr(start);
    const ParseResult expected = fresh.Next(rest);
    in_place.Next(rest, reused);
    ASSERT_EQ(testing::Describe(reused), testing::Describe(expected)) << "at byte " << start;
    ASSERT_EQ(reused.consumed, expected.consumed) << "at byte " << start;
    if (expected.kind == ParseResult::Kind::kError) {
      EXPECT_EQ(reused.error.message, expected.error.message);
    }
    start += expected.consumed;
    if (expected.kind == ParseResult::Kind::kNeedMore) break;
  }
  EXPECT_EQ(start, input.size());
}

TEST(RequestStream, RandomBytesNeverBreakTheParser) {
  std::mt19937 rng(20240601);
  for (int i = 0; i < 3000; ++i) {
    CheckHostile(RandomBytes(rng), rng);
  }
}

TEST(RequestStream, MutatedRequestsNeverBreakTheParser) {
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    CheckHostile(PlausibleInput(rng), rng);
  }
}

}  // namespace
}  // namespace limitsd::protocol
