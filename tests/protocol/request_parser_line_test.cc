// The line protocol, rule by rule: each case is an input and the events it must produce.
#include "protocol/request_parser.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_builder.h"
#include "tests/protocol/parse_events.h"

namespace limitsd::protocol {
namespace {

using testing::ParseAll;
using Events = std::vector<std::string>;

struct LineCase {
  const char* name;
  std::string input;
  Events expected;
};

void PrintTo(const LineCase& c, std::ostream* os) { *os << c.name; }

class LineProtocolTest : public ::testing::TestWithParam<LineCase> {};

TEST_P(LineProtocolTest, ProducesExpectedEvents) {
  const LineCase& c = GetParam();
  EXPECT_EQ(ParseAll(c.input, 4096), c.expected) << "input: " << c.input;
}

const std::string kKey256(256, 'k');
const std::string kKey257(257, 'k');

INSTANTIATE_TEST_SUITE_P(
    Rules, LineProtocolTest,
    ::testing::Values(
        // Verbs, arity, defaults.
        LineCase{"hit", "HIT 10/second u\n", {"line HIT 10/second u 1"}},
        LineCase{"hit_cost", "HIT api u 7\n", {"line HIT api u 7"}},
        LineCase{"test", "TEST api u 3\n", {"line TEST api u 3"}},
        LineCase{"stats", "STATS api u\n", {"line STATS api u"}},
        LineCase{"reset", "RESET api u\n", {"line RESET api u"}},
        LineCase{"clear_is_reset", "CLEAR api u\n", {"line RESET api u"}},
        LineCase{"ping", "PING\n", {"line PING"}}, LineCase{"quit", "QUIT\n", {"line QUIT"}},
        LineCase{"verbs_case_insensitive",
                 "hit a b\nTeSt a b\nstats a b\nping\nQuIt\n",
                 {"line HIT a b 1", "line TEST a b 1", "line STATS a b", "line PING", "line QUIT"}},
        LineCase{"limit_and_key_keep_case", "HIT Api UsEr\n", {"line HIT Api UsEr 1"}},
        // Terminators and blanks.
        LineCase{"crlf", "HIT a b\r\nPING\r\n", {"line HIT a b 1", "line PING"}},
        LineCase{"blanks_ignored", "  \tHIT \t a\t\tb   5 \t\r\n", {"line HIT a b 5"}},
        LineCase{"empty_lines_no_reply", "\n\r\n   \n\t\r\nPING\n\n", {"line PING"}},
        LineCase{"only_blank_lines", "\n \n\r\n", {}}, LineCase{"no_terminator_yet", "HIT a b", {}},
        // Arity.
        LineCase{"hit_too_few", "HIT a\n", {"line ERR syntax"}},
        LineCase{"hit_too_many", "HIT a b 1 2\n", {"line ERR syntax"}},
        LineCase{"hit_far_too_many", "HIT a b 1 2 3 4 5 6 7\n", {"line ERR syntax"}},
        LineCase{"stats_with_cost", "STATS a b 1\n", {"line ERR syntax"}},
        LineCase{"reset_too_few", "RESET a\n", {"line ERR syntax"}},
        LineCase{"ping_with_argument", "PING hello\n", {"line ERR syntax"}},
        LineCase{"quit_with_argument", "QUIT now\n", {"line ERR syntax"}},
        // Unknown verbs, including RESP-only handshakes.
        LineCase{"unknown", "GET a\n", {"line ERR unknown_command"}},
        LineCase{"unknown_many_args", "FOO a b c d e f\n", {"line ERR unknown_command"}},
        LineCase{"hello_is_resp_only", "HELLO 3\n", {"line ERR unknown_command"}},
        LineCase{"select_is_resp_only", "SELECT 0\n", {"line ERR unknown_command"}},
        LineCase{"verb_prefix", "HITS a b\n", {"line ERR unknown_command"}},
        // Keys.
        LineCase{"key_256", "HIT a " + kKey256 + "\n", {"line HIT a " + kKey256 + " 1"}},
        LineCase{"key_257", "HIT a " + kKey257 + "\n", {"line ERR bad_key"}},
        LineCase{"key_utf8", "HIT a \xc3\xa9t\xc3\xa9\n", {"line HIT a \xc3\xa9t\xc3\xa9 1"}},
        // Costs.
        LineCase{"cost_max", "HIT a b 1000000000\n", {"line HIT a b 1000000000"}},
        LineCase{"cost_leading_zeros", "HIT a b 007\n", {"line HIT a b 7"}},
        LineCase{"cost_zero", "HIT a b 0\n", {"line ERR bad_cost"}},
        LineCase{"cost_over_max", "HIT a b 1000000001\n", {"line ERR bad_cost"}},
        LineCase{"cost_overflow", "HIT a b 99999999999999999999999\n", {"line ERR bad_cost"}},
        LineCase{"cost_negative", "HIT a b -1\n", {"line ERR bad_cost"}},
        LineCase{"cost_plus_sign", "TEST a b +1\n", {"line ERR bad_cost"}},
        LineCase{"cost_not_a_number", "HIT a b 1x\n", {"line ERR bad_cost"}},
        LineCase{"cost_decimal", "HIT a b 1.5\n", {"line ERR bad_cost"}},
        // Control bytes.
        LineCase{"control_in_key", std::string("HIT a b\x01\n"), {"line ERR syntax"}},
        LineCase{"nul_in_line", std::string("HIT a\0b c\n", 10), {"line ERR syntax"}},
        LineCase{"del_in_line", "HIT a b\x7f\n", {"line ERR syntax"}},
        LineCase{"cr_inside_line", "HIT a\rb c\n", {"line ERR syntax"}},
        LineCase{"double_cr", "PING\r\r\n", {"line ERR syntax"}},
        LineCase{"control_only_line", "\x1b\n", {"line ERR syntax"}},
        // Errors leave the connection usable.
        LineCase{
            "recovers_after_errors",
            "NOPE\nHIT a\nHIT a b 0\nPING\n",
            {"line ERR unknown_command", "line ERR syntax", "line ERR bad_cost", "line PING"}}));

TEST(LineProtocol, ErrorMessagesSayWhatIsWrong) {
  RequestParser parser(4096);
  ParseResult result = parser.Next("HIT a b 0\n");
  ASSERT_EQ(result.kind, ParseResult::Kind::kError);
  EXPECT_NE(result.error.message.find("cost must be an integer from 1 to 1000000000"),
            std::string_view::npos)
      << result.error.message;
  EXPECT_NE(result.error.message.find("'0'"), std::string_view::npos);

  result = parser.Next("FROB a b\n");
  EXPECT_NE(result.error.message.find("'FROB'"), std::string_view::npos);
  EXPECT_NE(result.error.message.find("HIT"), std::string_view::npos);

  result = parser.Next("STATS a\n");
  EXPECT_NE(result.error.message.find("STATS <limit> <key>"), std::string_view::npos);
}

// Lines are split eight bytes at a time: a byte of each class (control, blank, text, and
// the edges between them: 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80) at every position of keys of
// every length around that step, behind limits of every length, splits as the rules say.
TEST(LineProtocol, EveryKindOfByteAtEveryPositionSplitsAsTheRulesSay) {
  const std::string bytes("\x00\x01\t\x0b\r\x1b\x1f \x21\x41\x7e\x7f\x80\xa0\xff", 15);
  RequestParser parser(4096);
  for (std::size_t limit_size = 1; limit_size <= 9; ++limit_size) {
    const std::string limit(limit_size, 'l');
    for (std::size_t key_size = 1; key_size <= 20; ++key_size) {
      for (std::size_t at = 0; at < key_size; ++at) {
        for (const char byte : bytes) {
          std::string key(key_size, 'k');
          key[at] = byte;
          const std::string line = "HIT " + limit + " " + key + "\n";
          const ParseResult r = parser.Next(line);
          const auto b = static_cast<unsigned char>(byte);
          const std::string where = "limit " + std::to_string(limit_size) + ", key " +
                                    std::to_string(key_size) + ", byte " + std::to_string(b) +
                                    " at " + std::to_string(at);
          ASSERT_EQ(r.consumed, line.size()) << where;
          const bool blank = byte == ' ' || byte == '\t';
          const bool control = !blank && (b < 0x20 || b == 0x7f);
          if (byte == '\r' && at + 1 == key_size) {  // the line's terminator is "\r\n"
            if (key_size == 1) {
              EXPECT_EQ(r.kind, ParseResult::Kind::kError) << where;
              EXPECT_EQ(r.error.code, ErrorCode::kSyntax) << where;
              continue;
            }
            ASSERT_EQ(r.kind, ParseResult::Kind::kRequest) << where;
            EXPECT_EQ(r.request.key, key.substr(0, key_size - 1)) << where;
          } else if (control) {
            ASSERT_EQ(r.kind, ParseResult::Kind::kError) << where;
            EXPECT_EQ(r.error.code, ErrorCode::kSyntax) << where;
            EXPECT_NE(r.error.message.find("(byte " + std::to_string(b) + ")"),
                      std::string_view::npos)
                << where << ": " << r.error.message;
          } else if (blank && key_size == 1) {
            EXPECT_EQ(r.kind, ParseResult::Kind::kError) << where;  // HIT <limit>: arity
            EXPECT_EQ(r.error.code, ErrorCode::kSyntax) << where;
          } else if (blank && (at == 0 || at + 1 == key_size)) {
            ASSERT_EQ(r.kind, ParseResult::Kind::kRequest) << where;
            EXPECT_EQ(r.request.limit, limit) << where;
            EXPECT_EQ(r.request.key, std::string(key_size - 1, 'k')) << where;
            EXPECT_EQ(r.request.cost, 1) << where;
          } else if (blank) {  // a third token: the cost, not a number
            ASSERT_EQ(r.kind, ParseResult::Kind::kError) << where;
            EXPECT_EQ(r.error.code, ErrorCode::kBadCost) << where;
          } else {
            ASSERT_EQ(r.kind, ParseResult::Kind::kRequest) << where;
            EXPECT_EQ(r.request.limit, limit) << where;
            EXPECT_EQ(r.request.key, key) << where;
          }
        }
      }
    }
  }
}

// The rules of docs/protocol.md for one line (without its terminator), a byte at a time:
// tokens are runs of visible bytes between blanks (space, tab); any other byte below 0x21,
// or 0x7f, is an error. The events the parser must produce for it, with error messages.
std::vector<std::string> ReferenceEvents(std::string_view line) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    const auto b = static_cast<unsigned char>(line[i]);
    if (b == ' ' || b == '\t') {
      ++i;
      continue;
    }
    if (b < 0x21 || b == 0x7f) {
      return {"line ERR syntax: control character in the line (byte " + std::to_string(b) +
              "); send printable tokens separated by spaces"};
    }
    const std::size_t start = i;
    while (i < line.size() && static_cast<unsigned char>(line[i]) > 0x20 &&
           static_cast<unsigned char>(line[i]) != 0x7f) {
      ++i;
    }
    tokens.push_back(line.substr(start, i - start));
  }
  if (tokens.empty()) return {};
  if (tokens.size() > RequestParser::kMaxLineTokens) tokens.resize(RequestParser::kMaxLineTokens);
  ParseResult result;
  std::string message;
  const std::optional<ErrorCode> code = RequestBuilder::Build(
      Wire::kLine, std::span<const std::string_view>(tokens), result.request, message);
  if (code) {
    result.kind = ParseResult::Kind::kError;
    result.error.code = *code;
    return {testing::Describe(result) + ": " + message};
  }
  result.kind = ParseResult::Kind::kRequest;
  return {testing::Describe(result)};
}

// Every event of `input` given at once, each error with its message.
std::vector<std::string> EventsWithMessages(std::string_view input) {
  RequestParser parser(4096);
  std::vector<std::string> events;
  for (;;) {
    const ParseResult result = parser.Next(input);
    input.remove_prefix(result.consumed);
    if (result.kind == ParseResult::Kind::kNeedMore) return events;
    events.push_back(testing::Describe(result));
    if (result.kind == ParseResult::Kind::kError) {
      events.back() += ": " + std::string(result.error.message);
    }
  }
}

// A whole line of up to 63 bytes without control bytes is found and split from masks of the
// input's first bytes, sixteen at a time, read past the line where the input goes on; other
// lines (longer, with a control byte, or arriving in pieces) a token at a time. Random lines
// of 0 to 90 bytes, of visible bytes, blanks and control bytes (fewer of those, so that most
// lines are requests), ended by "\n" or "\r\n" and followed by nothing, a request or a
// partial one, give the events the rules give, whether read at once or in pieces.
TEST(LineProtocol, RandomLinesSplitAsTheRulesSay) {
  const std::string visible = "HITESabcz019/:-!~\x80\xc3\xff";
  const std::string blanks = " \t";
  const std::string controls("\x00\x01\x0b\x0c\r\x1b\x1f\x7f", 8);
  const std::string verbs[] = {"", "HIT ", "hit ", "TEST ", "STATS ", "PING", "QUIT "};
  const std::string suffixes[] = {"", "PING\n", "HIT api u 2\n", "HIT a", "\r\n\n"};
  std::mt19937 random(2026);
  for (int trial = 0; trial < 20000; ++trial) {
    std::string line = verbs[random() % std::size(verbs)];
    const std::size_t size = random() % 91;
    const bool with_controls = random() % 4 == 0;
    while (line.size() < size) {
      const unsigned pick = random() % 16;
      if (pick < 11) {
        line += visible[random() % visible.size()];
      } else if (pick < 15 || !with_controls) {
        line += blanks[random() % blanks.size()];
      } else {
        line += controls[random() % controls.size()];
      }
    }
    const bool crlf = random() % 2 == 0;
    const std::string& suffix = suffixes[random() % std::size(suffixes)];
    const std::string input = line + (crlf ? "\r\n" : "\n") + suffix;
    std::string_view rule_line = line;
    if (!crlf && !rule_line.empty() && rule_line.back() == '\r') rule_line.remove_suffix(1);
    std::vector<std::string> expected = ReferenceEvents(rule_line);
    for (const std::string& event : EventsWithMessages(suffix)) expected.push_back(event);
    ASSERT_EQ(EventsWithMessages(input), expected) << "trial " << trial << ": " << input;
    std::vector<std::string> whole = ParseAll(input, 4096);
    ASSERT_EQ(ParseAll(input, 4096, 1 + trial % 17), whole) << "trial " << trial;
  }
}

// Each byte class at each position of lines of 56 to 72 bytes (around the longest line split
// from masks), as the last bytes of the input and followed by more.
TEST(LineProtocol, EveryKindOfByteAroundTheLongestMaskedLine) {
  const std::string bytes("\x00\t\r\x1f \x21\x7e\x7f\x80", 9);
  for (std::size_t size = 56; size <= 72; ++size) {
    for (std::size_t at = 0; at < size; ++at) {
      for (const char byte : bytes) {
        std::string line = "HIT l " + std::string(size - 6, 'k');
        line[at] = byte;
        for (const std::string suffix : {"", "PING\n"}) {
          const std::string input = line + "\n" + suffix;
          std::string_view rule_line = line;
          if (rule_line.back() == '\r') rule_line.remove_suffix(1);
          std::vector<std::string> expected = ReferenceEvents(rule_line);
          if (!suffix.empty()) expected.push_back("line PING");
          ASSERT_EQ(EventsWithMessages(input), expected)
              << "size " << size << ", byte " << static_cast<int>(byte) << " at " << at;
        }
      }
    }
  }
}

TEST(LineProtocol, RequestViewsPointIntoTheInput) {
  RequestParser parser(4096);
  const std::string input = "HIT api user42 3\n";
  const ParseResult result = parser.Next(input);
  ASSERT_EQ(result.kind, ParseResult::Kind::kRequest);
  EXPECT_EQ(result.consumed, input.size());
  EXPECT_EQ(result.request.limit.data(), input.data() + 4);
  EXPECT_EQ(result.request.key.data(), input.data() + 8);
  EXPECT_EQ(result.request.argument.data(), nullptr);
}

TEST(LineProtocol, ConsumesOneRequestPerCall) {
  RequestParser parser(4096);
  const std::string input = "\n\nPING\nHIT a b\nHIT a";
  ParseResult first = parser.Next(input);
  ASSERT_EQ(first.kind, ParseResult::Kind::kRequest);
  EXPECT_EQ(first.consumed, 7u);  // the two blank lines and "PING\n"
  ParseResult second = parser.Next(std::string_view(input).substr(7));
  ASSERT_EQ(second.kind, ParseResult::Kind::kRequest);
  EXPECT_EQ(second.consumed, 8u);
  ParseResult third = parser.Next(std::string_view(input).substr(15));
  EXPECT_EQ(third.kind, ParseResult::Kind::kNeedMore);
  EXPECT_EQ(third.consumed, 0u);
}

TEST(LineProtocol, BlankLinesBeforeAPartialLineAreConsumed) {
  RequestParser parser(4096);
  const ParseResult result = parser.Next("\r\n \nHIT a");
  EXPECT_EQ(result.kind, ParseResult::Kind::kNeedMore);
  EXPECT_EQ(result.consumed, 4u);
}

// max_line_bytes bounds the line without its terminator.
TEST(LineProtocol, LineAtTheBoundIsAccepted) {
  const std::string line = "HIT a " + std::string(10, 'k');  // 16 bytes
  EXPECT_EQ(ParseAll(line + "\n", 16), (Events{"line HIT a kkkkkkkkkk 1"}));
  EXPECT_EQ(ParseAll(line + "\r\n", 16), (Events{"line HIT a kkkkkkkkkk 1"}));
  EXPECT_EQ(ParseAll(line + "\r\n", 16, 1), (Events{"line HIT a kkkkkkkkkk 1"}));
}

TEST(LineProtocol, CompleteLineOverTheBoundIsTooLong) {
  const std::string line = "HIT a " + std::string(11, 'k');  // 17 bytes
  EXPECT_EQ(ParseAll(line + "\nPING\n", 16), (Events{"line ERR too_long close"}));
}

TEST(LineProtocol, PartialLineOverTheBoundIsTooLongAtOnce) {
  RequestParser parser(16);
  std::string buffer(16, 'x');
  EXPECT_EQ(parser.Next(buffer).kind, ParseResult::Kind::kNeedMore);
  buffer += '\r';  // could still be the end of a 16-byte line
  EXPECT_EQ(parser.Next(buffer).kind, ParseResult::Kind::kNeedMore);
  buffer += 'x';
  const ParseResult result = parser.Next(buffer);
  ASSERT_EQ(result.kind, ParseResult::Kind::kError);
  EXPECT_EQ(result.error.code, ErrorCode::kTooLong);
  EXPECT_TRUE(result.error.close_connection);
  EXPECT_EQ(result.consumed, buffer.size());
  EXPECT_NE(result.error.message.find("16 bytes"), std::string_view::npos);
}

TEST(LineProtocol, PartialLineOverTheBoundWithoutCrIsTooLong) {
  RequestParser parser(16);
  const ParseResult result = parser.Next(std::string(17, 'x'));
  EXPECT_EQ(result.kind, ParseResult::Kind::kError);
  EXPECT_EQ(result.error.code, ErrorCode::kTooLong);
}

TEST(LineProtocol, HugeUnterminatedInputIsTooLong) {
  EXPECT_EQ(ParseAll(std::string(100000, 'a'), 4096, 1000), (Events{"line ERR too_long close"}));
}

}  // namespace
}  // namespace limitsd::protocol
