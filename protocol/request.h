#pragma once
// One parsed request, of either wire format (line protocol or RESP2). Pure data.

#include <cstddef>
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
  kThrottle,   ///< RESP only: redis-cell's CL.THROTTLE, a gcra decision (see Throttle)
  kAuth,       ///< AUTH [user] password (the user on RESP only): see docs/security.md
};

/// Which connection-setup command a Verb::kHandshake request is. Redis clients send these
/// when they connect; ReplyWriter::Handshake answers them so the clients carry on.
enum class Handshake : std::uint8_t {
  kNone,     ///< not a handshake request
  kHello,    ///< HELLO [protover ...]: refused the way Redis 5 does, so clients use RESP2
  kClient,   ///< CLIENT SETNAME/SETINFO/...: +OK
  kCommand,  ///< COMMAND [DOCS|COUNT|...]: an empty answer
  kSelect,   ///< SELECT 0 (any other database is an error from the parser): +OK
  kInfo,     ///< INFO [section]: a minimal server section (ioredis' ready check reads it)
};

/// The wire error codes of docs/protocol.md, `ERR <code> <message>`.
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
  kStorageFull,  ///< the memory store holds storage.options.max_keys keys and refuses a new one
  kNoAuth,       ///< a request before AUTH on a server with a password
  kWrongPass,    ///< AUTH with a wrong password (or, over RESP, an unknown user)
  kNoPerm,       ///< RESET or an inline limit from a client without server.admin_password
};

/// "syntax", "unknown_command", ...
std::string_view ErrorCodeName(ErrorCode code) noexcept;

inline constexpr std::int64_t kMaxCost = 1'000'000'000;
inline constexpr std::size_t kMaxKeyBytes = 256;

/// CL.THROTTLE <key> <max_burst> <count> <period> [<quantity>]: a bucket of max_burst + 1
/// units that gets `count` back every `period` seconds; quantity 0 only looks.
struct Throttle {
  std::int64_t max_burst = 0;  ///< 0 to kMaxCost - 1
  std::int64_t count = 1;      ///< 1 to kMaxCost
  std::int64_t period = 1;     ///< seconds, 1 to kMaxThrottlePeriod
  std::int64_t quantity = 1;   ///< 0 to kMaxCost
};

/// Ten of limits' years (10 x 360 days), the longest window, in seconds.
inline constexpr std::int64_t kMaxThrottlePeriod = 10LL * 360 * 86400;

/// A request's fields are views into the input given to RequestParser::Next; they stay
/// valid as long as those bytes are neither consumed nor moved (see request_parser.h).
struct Request {
  Wire wire = Wire::kLine;
  Verb verb = Verb::kPing;
  std::string_view limit;  ///< HIT/TEST/STATS/RESET
  std::string_view key;    ///< HIT/TEST/STATS/RESET; validated: 1..256 bytes, no blanks or controls
  std::int64_t cost = 1;   ///< HIT/TEST; validated: 1..1e9
  /// PING's optional argument (RESP echoes it); a handshake's subcommand or first argument.
  /// Absent: data() == nullptr; an empty RESP bulk string is present but empty.
  std::string_view argument;
  Handshake handshake = Handshake::kNone;  ///< which command, when verb is kHandshake
  Throttle throttle;                       ///< kThrottle's numbers
  /// AUTH's, or `HELLO 2 AUTH <user> <password>`'s; user absent (data() == nullptr) when
  /// AUTH has one argument. password absent when a HELLO carries no AUTH.
  std::string_view user;
  std::string_view password;
};

/// "HIT", "TEST", ... (upper case, for logs and metrics).
std::string_view VerbName(Verb verb) noexcept;

}  // namespace limitsd::protocol
