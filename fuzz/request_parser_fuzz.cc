// libFuzzer target: RequestParser over arbitrary bytes (both wires, since the first byte of
// each request picks one). The first input byte chooses how the rest is cut into reads.
// Checks, besides the sanitizers: consumed never exceeds the input, every request or error
// consumes something, the events do not depend on how the bytes arrive, and every reply
// written for them is exactly one line (line wire) or ends with CRLF (RESP).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_writer.h"
#include "protocol/request_parser.h"
#include "tests/protocol/parse_events.h"

namespace {

constexpr std::size_t kMaxLineBytes = 128;

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

void CheckReplies(std::string_view input) {
  limitsd::protocol::RequestParser parser(kMaxLineBytes);
  std::string out;
  limitsd::protocol::ReplyWriter writer(out);
  while (!input.empty()) {
    const limitsd::protocol::ParseResult result = parser.Next(input);
    out.clear();
    if (result.kind == limitsd::protocol::ParseResult::Kind::kError) {
      writer.Error(result.error);
      if (result.error.wire == limitsd::protocol::Wire::kLine) {
        Check(out.find('\n') == out.size() - 1);
      } else {
        Check(out.find('\n') == out.size() - 1 && out[out.size() - 2] == '\r');
      }
    }
    if (result.kind == limitsd::protocol::ParseResult::Kind::kRequest &&
        result.request.verb == limitsd::protocol::Verb::kHandshake) {
      writer.Handshake(result.request);
      Check(out.size() >= 2 && out.substr(out.size() - 2) == "\r\n");
    }
    input.remove_prefix(result.consumed);
    if (result.kind == limitsd::protocol::ParseResult::Kind::kNeedMore ||
        (result.kind == limitsd::protocol::ParseResult::Kind::kError &&
         result.error.close_connection)) {
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t chunk = data[0] % 17 + 1;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::vector<std::string> whole = limitsd::protocol::testing::ParseAll(input, kMaxLineBytes);
  const std::vector<std::string> pieces =
      limitsd::protocol::testing::ParseAll(input, kMaxLineBytes, chunk);
  Check(whole == pieces);
  for (const std::string& event : whole) {
    Check(event.rfind("BUG", 0) != 0);
  }
  CheckReplies(input);
  return 0;
}
