// RESP2 framing and commands: each case is an input and the events it must produce.
#include "protocol/request_parser.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "tests/protocol/parse_events.h"

namespace limitsd::protocol {
namespace {

using testing::ParseAll;
using Events = std::vector<std::string>;

// Encodes a command the way Redis clients do.
std::string Resp(std::initializer_list<std::string_view> parts) {
  std::string out = "*" + std::to_string(parts.size()) + "\r\n";
  for (std::string_view part : parts) {
    out += "$" + std::to_string(part.size()) + "\r\n";
    out += part;
    out += "\r\n";
  }
  return out;
}

struct RespCase {
  const char* name;
  std::string input;
  Events expected;
};

void PrintTo(const RespCase& c, std::ostream* os) { *os << c.name; }

class RespProtocolTest : public ::testing::TestWithParam<RespCase> {};

TEST_P(RespProtocolTest, ProducesExpectedEvents) {
  const RespCase& c = GetParam();
  EXPECT_EQ(ParseAll(c.input, 4096), c.expected);
}

const std::string kKey257(257, 'k');

INSTANTIATE_TEST_SUITE_P(
    Commands, RespProtocolTest,
    ::testing::Values(
        RespCase{"hit", Resp({"HIT", "api", "user42"}), {"resp HIT api user42 1"}},
        RespCase{"hit_cost", Resp({"hit", "10/second", "u", "5"}), {"resp HIT 10/second u 5"}},
        RespCase{"test", Resp({"TEST", "api", "u", "2"}), {"resp TEST api u 2"}},
        RespCase{"stats", Resp({"STATS", "api", "u"}), {"resp STATS api u"}},
        RespCase{"reset", Resp({"reset", "api", "u"}), {"resp RESET api u"}},
        RespCase{"clear", Resp({"CLEAR", "api", "u"}), {"resp RESET api u"}},
        RespCase{"ping", Resp({"PING"}), {"resp PING"}},
        RespCase{"ping_echo", Resp({"PING", "hello world"}), {"resp PING arg=hello world"}},
        RespCase{"ping_empty_echo", Resp({"PING", ""}), {"resp PING arg="}},
        RespCase{"quit", Resp({"QUIT"}), {"resp QUIT"}},
        // Handshakes.
        RespCase{"hello", Resp({"HELLO", "3"}), {"resp HANDSHAKE hello arg=3"}},
        RespCase{"hello_bare", Resp({"hello"}), {"resp HANDSHAKE hello"}},
        RespCase{"hello_auth",
                 Resp({"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "x"}),
                 {"resp HANDSHAKE hello arg=3"}},
        RespCase{"client_setname",
                 Resp({"CLIENT", "SETNAME", "app"}),
                 {"resp HANDSHAKE client arg=SETNAME"}},
        RespCase{"client_setinfo",
                 Resp({"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}),
                 {"resp HANDSHAKE client arg=SETINFO"}},
        RespCase{"command", Resp({"COMMAND"}), {"resp HANDSHAKE command"}},
        RespCase{"command_docs", Resp({"COMMAND", "DOCS"}), {"resp HANDSHAKE command arg=DOCS"}},
        RespCase{"select_0", Resp({"SELECT", "0"}), {"resp HANDSHAKE select arg=0"}},
        RespCase{"select_1", Resp({"SELECT", "1"}), {"resp ERR unsupported"}},
        RespCase{"select_bare", Resp({"SELECT"}), {"resp ERR syntax"}},
        RespCase{"info", Resp({"INFO"}), {"resp HANDSHAKE info"}},
        RespCase{"info_section", Resp({"info", "server"}), {"resp HANDSHAKE info arg=server"}},
        // Same validation as the line protocol; the connection stays usable.
        RespCase{"unknown", Resp({"GET", "k"}), {"resp ERR unknown_command"}},
        RespCase{"empty_verb", Resp({""}), {"resp ERR unknown_command"}},
        RespCase{"hit_too_few", Resp({"HIT", "api"}), {"resp ERR syntax"}},
        RespCase{"hit_too_many", Resp({"HIT", "a", "b", "1", "2"}), {"resp ERR syntax"}},
        RespCase{"stats_cost", Resp({"STATS", "a", "b", "1"}), {"resp ERR syntax"}},
        RespCase{"ping_two_args", Resp({"PING", "a", "b"}), {"resp ERR syntax"}},
        RespCase{"quit_arg", Resp({"QUIT", "x"}), {"resp ERR syntax"}},
        RespCase{"empty_key", Resp({"HIT", "a", ""}), {"resp ERR bad_key"}},
        RespCase{"key_with_space", Resp({"HIT", "a", "b c"}), {"resp ERR bad_key"}},
        RespCase{"key_with_newline", Resp({"HIT", "a", "b\nc"}), {"resp ERR bad_key"}},
        RespCase{"key_257", Resp({"HIT", "a", kKey257}), {"resp ERR bad_key"}},
        RespCase{"cost_zero", Resp({"HIT", "a", "b", "0"}), {"resp ERR bad_cost"}},
        RespCase{"cost_signed", Resp({"HIT", "a", "b", "-3"}), {"resp ERR bad_cost"}},
        RespCase{"cost_big", Resp({"HIT", "a", "b", "1000000001"}), {"resp ERR bad_cost"}},
        RespCase{"recovers",
                 Resp({"NOPE"}) + Resp({"HIT", "a"}) + Resp({"PING"}),
                 {"resp ERR unknown_command", "resp ERR syntax", "resp PING"}},
        // Empty arrays are ignored, as Redis does.
        RespCase{"empty_arrays", "*0\r\n*-1\r\n" + Resp({"PING"}), {"resp PING"}},
        // Mixed wires on one connection.
        RespCase{"mixed",
                 "PING\n" + Resp({"HIT", "a", "b"}) + "\r\nHIT a b 2\r\n",
                 {"line PING", "resp HIT a b 1", "line HIT a b 2"}}));

INSTANTIATE_TEST_SUITE_P(
    Framing, RespProtocolTest,
    ::testing::Values(
        RespCase{"array_17", "*17\r\n", {"resp ERR too_long close"}},
        RespCase{"array_huge", "*99999999999\r\n", {"resp ERR too_long close"}},
        RespCase{"array_negative", "*-2\r\n", {"resp ERR syntax close"}},
        RespCase{"array_not_a_number", "*x\r\n", {"resp ERR syntax close"}},
        RespCase{"array_empty_length", "*\r\n", {"resp ERR syntax close"}},
        RespCase{"array_plus_sign", "*+1\r\n", {"resp ERR syntax close"}},
        RespCase{"array_lf_only", "*1\n$4\nPING\n", {"resp ERR syntax close"}},
        RespCase{
            "array_length_too_long", "*000000000000000000000001\r\n", {"resp ERR syntax close"}},
        RespCase{"bulk_expected", "*1\r\n+PING\r\n", {"resp ERR syntax close"}},
        RespCase{"bulk_negative", "*1\r\n$-1\r\n", {"resp ERR syntax close"}},
        RespCase{"bulk_not_a_number", "*1\r\n$4x\r\nPING\r\n", {"resp ERR syntax close"}},
        RespCase{"bulk_over_bound", "*2\r\n$4\r\nPING\r\n$4097\r\n", {"resp ERR too_long close"}},
        RespCase{"bulk_missing_crlf", "*1\r\n$4\r\nPINGxx", {"resp ERR syntax close"}},
        RespCase{"bulk_short", "*1\r\n$3\r\nPING\r\n", {"resp ERR syntax close"}},
        RespCase{"errors_stop_everything", "*1\r\n$3\r\nPING\r\nPING\n", {"resp ERR syntax close"}},
        RespCase{"incomplete", "*3\r\n$3\r\nHIT\r\n$1\r\na\r\n$1\r", {}}));

TEST(RespProtocol, TotalPayloadIsBounded) {
  // Each bulk string is within the bound, their sum is not.
  const std::string twelve(12, 'k');
  EXPECT_EQ(ParseAll(Resp({"HIT", twelve, twelve}), 20), (Events{"resp ERR too_long close"}));
  EXPECT_EQ(ParseAll(Resp({"HIT", "a", twelve}), 20), (Events{"resp HIT a " + twelve + " 1"}));
}

TEST(RespProtocol, SixteenElementsAreAccepted) {
  const std::string frame = Resp(
      {"CLIENT", "SETINFO", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"});
  EXPECT_EQ(ParseAll(frame, 4096), (Events{"resp HANDSHAKE client arg=SETINFO"}));
}

TEST(RespProtocol, BulkStringsMayHoldAnyByte) {
  const std::string arg("a\r\n\0b", 5);
  RequestParser parser(4096);
  const std::string input = Resp({"PING", arg});
  const ParseResult result = parser.Next(input);
  ASSERT_EQ(result.kind, ParseResult::Kind::kRequest);
  EXPECT_EQ(result.consumed, input.size());
  EXPECT_EQ(result.request.argument, arg);
}

TEST(RespProtocol, ErrorsCarryTheRespWireAndAMessage) {
  RequestParser parser(4096);
  ParseResult result = parser.Next(Resp({"SELECT", "3"}));
  ASSERT_EQ(result.kind, ParseResult::Kind::kError);
  EXPECT_EQ(result.error.wire, Wire::kResp);
  EXPECT_FALSE(result.error.close_connection);
  EXPECT_NE(result.error.message.find("database 0"), std::string_view::npos);

  result = parser.Next("*1\r\n:1\r\n");
  ASSERT_EQ(result.kind, ParseResult::Kind::kError);
  EXPECT_TRUE(result.error.close_connection);
  EXPECT_NE(result.error.message.find("RESP protocol error"), std::string_view::npos);
}

TEST(RespProtocol, MalformedFrameConsumesTheWholeInput) {
  RequestParser parser(4096);
  const std::string input = Resp({"PING"}) + "*x\r\n" + Resp({"PING"});
  ParseResult result = parser.Next(input);
  ASSERT_EQ(result.kind, ParseResult::Kind::kRequest);
  result = parser.Next(std::string_view(input).substr(result.consumed));
  ASSERT_EQ(result.kind, ParseResult::Kind::kError);
  EXPECT_EQ(result.consumed, input.size() - Resp({"PING"}).size());
}

TEST(RespProtocol, OversizedBulkIsRefusedBeforeItsBytesArrive) {
  RequestParser parser(4096);
  const ParseResult result = parser.Next("*2\r\n$3\r\nHIT\r\n$1000000\r\n");
  ASSERT_EQ(result.kind, ParseResult::Kind::kError);
  EXPECT_EQ(result.error.code, ErrorCode::kTooLong);
}

TEST(RespProtocol, UnterminatedHeaderIsRefusedAtItsBound) {
  RequestParser parser(4096);
  std::string input = "*1\r\n$";
  input += std::string(30, '1');
  const ParseResult result = parser.Next(input);
  ASSERT_EQ(result.kind, ParseResult::Kind::kError);
  EXPECT_TRUE(result.error.close_connection);
}

}  // namespace
}  // namespace limitsd::protocol

namespace limitsd::protocol {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Throttle, RespProtocolTest,
    ::testing::Values(
        RespCase{"readme", Resp({"CL.THROTTLE", "user123", "15", "30", "60"}),
                 {"resp CL.THROTTLE user123 15 30 60 1"}},
        RespCase{"lower_case_with_quantity", Resp({"cl.throttle", "k", "0", "1", "1", "0"}),
                 {"resp CL.THROTTLE k 0 1 1 0"}},
        RespCase{"bounds", Resp({"CL.THROTTLE", "k", "999999999", "1000000000", "311040000",
                                 "1000000000"}),
                 {"resp CL.THROTTLE k 999999999 1000000000 311040000 1000000000"}},
        RespCase{"zero_count", Resp({"CL.THROTTLE", "k", "4", "0", "10"}), {"resp ERR bad_rate"}},
        RespCase{"zero_period", Resp({"CL.THROTTLE", "k", "4", "1", "0"}), {"resp ERR bad_rate"}},
        RespCase{"negative_burst", Resp({"CL.THROTTLE", "k", "-1", "1", "10"}),
                 {"resp ERR bad_rate"}},
        RespCase{"burst_too_big", Resp({"CL.THROTTLE", "k", "1000000000", "1", "10"}),
                 {"resp ERR bad_rate"}},
        RespCase{"period_too_long", Resp({"CL.THROTTLE", "k", "1", "1", "311040001"}),
                 {"resp ERR bad_rate"}},
        RespCase{"bad_quantity", Resp({"CL.THROTTLE", "k", "4", "1", "10", "x"}),
                 {"resp ERR bad_cost"}},
        RespCase{"bad_key", Resp({"CL.THROTTLE", "a b", "4", "1", "10"}), {"resp ERR bad_key"}},
        RespCase{"too_few", Resp({"CL.THROTTLE", "k", "4", "1"}), {"resp ERR syntax"}},
        RespCase{"too_many", Resp({"CL.THROTTLE", "k", "4", "1", "10", "1", "1"}),
                 {"resp ERR syntax"}},
        RespCase{"not_a_throttle", Resp({"CL.THROTTLEX", "k", "4", "1", "10"}),
                 {"resp ERR unknown_command"}}));

TEST(LineProtocol, ClThrottleIsRespOnly) {
  EXPECT_EQ(ParseAll("CL.THROTTLE k 4 1 10\n", 4096),
            std::vector<std::string>{"line ERR unknown_command"});
}

}  // namespace
}  // namespace limitsd::protocol
