#include "protocol/request.h"

namespace limitsd::protocol {

std::string_view ErrorCodeName(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kSyntax:
      return "syntax";
    case ErrorCode::kUnknownCommand:
      return "unknown_command";
    case ErrorCode::kUnknownLimit:
      return "unknown_limit";
    case ErrorCode::kBadRate:
      return "bad_rate";
    case ErrorCode::kBadKey:
      return "bad_key";
    case ErrorCode::kBadCost:
      return "bad_cost";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kStorage:
      return "storage";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kTooLong:
      return "too_long";
    case ErrorCode::kOverloaded:
      return "overloaded";
    case ErrorCode::kStorageFull:
      return "storage_full";
    case ErrorCode::kNoAuth:
      return "noauth";
    case ErrorCode::kWrongPass:
      return "wrongpass";
    case ErrorCode::kNoPerm:
      return "noperm";
  }
  return "unknown";
}

std::string_view VerbName(Verb verb) noexcept {
  switch (verb) {
    case Verb::kHit:
      return "HIT";
    case Verb::kTest:
      return "TEST";
    case Verb::kStats:
      return "STATS";
    case Verb::kReset:
      return "RESET";
    case Verb::kPing:
      return "PING";
    case Verb::kQuit:
      return "QUIT";
    case Verb::kHandshake:
      return "HANDSHAKE";
    case Verb::kThrottle:
      return "CL.THROTTLE";
    case Verb::kAuth:
      return "AUTH";
  }
  return "UNKNOWN";
}

}  // namespace limitsd::protocol
