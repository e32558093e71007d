#pragma once
// Test support: drives a RequestParser the way the server does (a growing buffer, bytes
// consumed as told) and describes every event as a short string, so tests compare lists.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"

namespace limitsd::protocol::testing {

inline std::string Describe(const ParseResult& result) {
  std::string text;
  switch (result.kind) {
    case ParseResult::Kind::kNeedMore:
      return "need_more";
    case ParseResult::Kind::kError:
      text = result.error.wire == Wire::kLine ? "line " : "resp ";
      text += "ERR ";
      text += ErrorCodeName(result.error.code);
      if (result.error.close_connection) {
        text += " close";
      }
      return text;
    case ParseResult::Kind::kRequest:
      break;
  }
  const Request& request = result.request;
  text = request.wire == Wire::kLine ? "line " : "resp ";
  text += VerbName(request.verb);
  if (request.verb == Verb::kHit || request.verb == Verb::kTest || request.verb == Verb::kStats ||
      request.verb == Verb::kReset) {
    text += " " + std::string(request.limit) + " " + std::string(request.key);
    if (request.verb == Verb::kHit || request.verb == Verb::kTest) {
      text += " " + std::to_string(request.cost);
    }
  }
  if (request.verb == Verb::kThrottle) {
    const Throttle& t = request.throttle;
    text += " " + std::string(request.key) + " " + std::to_string(t.max_burst) + " " +
            std::to_string(t.count) + " " + std::to_string(t.period) + " " +
            std::to_string(t.quantity);
  }
  if (request.verb == Verb::kHandshake) {
    static constexpr const char* kNames[] = {"none",    "hello",  "client",
                                             "command", "select", "info"};
    text += " ";
    text += kNames[static_cast<int>(request.handshake)];
  }
  if (request.argument.data() != nullptr) {
    text += " arg=" + std::string(request.argument);
  }
  return text;
}

/// Feeds `input` in chunks of `chunk` bytes (0: all at once) to a fresh parser and returns
/// every event but kNeedMore, stopping after an error that closes the connection. Checks
/// the contract on the way: consumed never exceeds the input, and a request or error always
/// consumes something. Violations are reported as events ("BUG ...").
inline std::vector<std::string> ParseAll(std::string_view input, std::size_t max_line_bytes,
                                         std::size_t chunk = 0) {
  RequestParser parser(max_line_bytes);
  std::vector<std::string> events;
  std::string buffer;
  std::size_t fed = 0;
  while (fed < input.size()) {
    const std::size_t take = chunk == 0 ? input.size() : std::min(chunk, input.size() - fed);
    buffer.append(input.substr(fed, take));
    fed += take;
    for (;;) {
      const ParseResult result = parser.Next(buffer);
      if (result.consumed > buffer.size()) {
        events.push_back("BUG consumed past the input");
        return events;
      }
      if (result.kind != ParseResult::Kind::kNeedMore && result.consumed == 0) {
        events.push_back("BUG no progress");
        return events;
      }
      if (result.kind != ParseResult::Kind::kNeedMore) {
        events.push_back(Describe(result));
      }
      buffer.erase(0, result.consumed);
      if (result.kind == ParseResult::Kind::kError && result.error.close_connection) {
        return events;
      }
      if (result.kind == ParseResult::Kind::kNeedMore) {
        break;
      }
    }
  }
  return events;
}

}  // namespace limitsd::protocol::testing
