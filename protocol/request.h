#pragma once
// One parsed request, of either wire format (line protocol or RESP2). Pure data.

#include <cstdint>
#include <string_view>

namespace limitsd::protocol {

enum class Wire : std::uint8_t { kLine, kResp };

enum class Verb : std::uint8_t {
  kHit,
  kTest,
  kStats,
  kReset,  ///< RESET or CLEAR
  kPing,
  kQuit,
  kHandshake,  ///< RESP only: HELLO, CLIENT ..., COMMAND ..., SELECT 0: answered for clients
};

/// The wire error codes of DESIGN.md, `ERR <code> <message>`.
enum class ErrorCode : std::uint8_t {
  kSyntax,
  kUnknownCommand,
  kUnknownLimit,
  kBadRate,
  kBadKey,
  kBadCost,
  kUnsupported,
  kStorage,
  kForbidden,
  kTooLong,
  kOverloaded,
};

/// "syntax", "unknown_command", ...
std::string_view ErrorCodeName(ErrorCode code) noexcept;

inline constexpr std::int64_t kMaxCost = 1'000'000'000;
inline constexpr std::size_t kMaxKeyBytes = 256;

/// A request's fields are views into the parser's input; they stay valid until that input
/// is consumed (RequestParser::Consume).
struct Request {
  Wire wire = Wire::kLine;
  Verb verb = Verb::kPing;
  std::string_view limit;     ///< HIT/TEST/STATS/RESET
  std::string_view key;       ///< HIT/TEST/STATS/RESET; validated: 1..256 bytes, no blanks or controls
  std::int64_t cost = 1;      ///< HIT/TEST; validated: 1..1e9
  std::string_view argument;  ///< PING's optional argument (RESP echoes it); handshake's subcommand
};

}  // namespace limitsd::protocol
