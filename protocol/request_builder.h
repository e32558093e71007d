#pragma once
// Turns the tokens of one request (from either wire) into a validated Request. Both parsers
// share it, so the line protocol and RESP accept the same commands with the same rules and
// error codes.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/request.h"

namespace limitsd::protocol {

class RequestBuilder {
 public:
  /// Builds a request from `tokens` (tokens[0] is the verb, matched case-insensitively;
  /// at least one token). On success fills `request` (whose views point into the tokens'
  /// bytes) and returns nullopt; otherwise returns the error code and sets `message` to
  /// what was wrong and what to do. Commands clients send on connecting (HELLO, CLIENT,
  /// COMMAND, SELECT, INFO) are only recognised on the RESP wire.
  static std::optional<ErrorCode> Build(Wire wire, std::span<const std::string_view> tokens,
                                        Request& request, std::string& message);

  /// 1 to kMaxKeyBytes bytes, each a visible byte: no space, tab or other control byte.
  static bool IsValidKey(std::string_view key) noexcept;

  /// A decimal integer from 1 to kMaxCost, digits only (no sign, no blanks).
  static std::optional<std::int64_t> ParseCost(std::string_view text) noexcept;

  /// ASCII case-insensitive equality with `upper`, which must be upper case.
  static bool EqualsUpper(std::string_view token, std::string_view upper) noexcept;
};

}  // namespace limitsd::protocol
