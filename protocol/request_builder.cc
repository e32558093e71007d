#include "protocol/request_builder.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "protocol/utf8_prefix.h"

namespace limitsd::protocol {
namespace {

constexpr int kNotOnThisWire = -1;
constexpr int kAnyCount = 1000;

// A word of up to 8 bytes as one integer, each byte OR 0x20. For letters that is ASCII
// lower case, and no other byte folds onto a lower-case letter, so a token's pack equals a
// letters-only name's pack exactly when they are equal ignoring case.
constexpr std::uint64_t FoldedPack(std::string_view word) noexcept {
  std::uint64_t packed = 0;
  for (std::size_t i = 0; i < word.size() && i < 8; ++i) {
    packed |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(word[i]) | 0x20U) << (8 * i);
  }
  return packed;
}

// FoldedPack of a token of up to 8 bytes, from two overlapping loads instead of a loop: a
// byte read twice lands on the same place both times.
std::uint64_t FoldedPackOf(std::string_view word) noexcept {
  const char* const p = word.data();
  const std::size_t n = word.size();
  std::uint64_t packed = 0;
  if (n >= 4) {
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    packed = head | (static_cast<std::uint64_t>(tail) << (8 * (n - 4)));
  } else if (n >= 2) {
    std::uint16_t head = 0;
    std::uint16_t tail = 0;
    std::memcpy(&head, p, 2);
    std::memcpy(&tail, p + n - 2, 2);
    packed = head | (static_cast<std::uint64_t>(tail) << (8 * (n - 2)));
  } else if (n == 1) {
    packed = static_cast<std::uint8_t>(p[0]);
  }
  const std::uint64_t folds = 0x2020202020202020ULL;
  return packed | (n >= 8 ? folds : folds & ((std::uint64_t{1} << (8 * n)) - 1));
}

/// One command: its name, what it becomes, and how many arguments each wire accepts.
struct CommandSpec {
  std::string_view name;  ///< letters only, at most 8

  Verb verb;
  Handshake handshake;
  int min_args;
  int line_max_args;  ///< kNotOnThisWire: RESP only
  int resp_max_args;
  std::string_view usage;
};

// HIT first: it is by far the most frequent.
constexpr std::array<CommandSpec, 13> kCommands{{
    {"HIT", Verb::kHit, Handshake::kNone, 2, 3, 3, "HIT <limit> <key> [cost]"},
    {"TEST", Verb::kTest, Handshake::kNone, 2, 3, 3, "TEST <limit> <key> [cost]"},
    {"STATS", Verb::kStats, Handshake::kNone, 2, 2, 2, "STATS <limit> <key>"},
    {"RESET", Verb::kReset, Handshake::kNone, 2, 2, 2, "RESET <limit> <key>"},
    {"CLEAR", Verb::kReset, Handshake::kNone, 2, 2, 2, "CLEAR <limit> <key>"},
    {"PING", Verb::kPing, Handshake::kNone, 0, 0, 1, "PING (RESP: PING [message])"},
    {"QUIT", Verb::kQuit, Handshake::kNone, 0, 0, 0, "QUIT"},
    {"HELLO", Verb::kHandshake, Handshake::kHello, 0, kNotOnThisWire, kAnyCount, "HELLO"},
    {"CLIENT", Verb::kHandshake, Handshake::kClient, 0, kNotOnThisWire, kAnyCount, "CLIENT"},
    {"COMMAND", Verb::kHandshake, Handshake::kCommand, 0, kNotOnThisWire, kAnyCount, "COMMAND"},
    {"SELECT", Verb::kHandshake, Handshake::kSelect, 1, kNotOnThisWire, 1, "SELECT 0"},
    {"INFO", Verb::kHandshake, Handshake::kInfo, 0, kNotOnThisWire, kAnyCount, "INFO"},
    {"AUTH", Verb::kAuth, Handshake::kNone, 1, 1, 2,
     "AUTH <password> (RESP: AUTH [user] password)"},
}};

// The commands' FoldedPacks, in kCommands' order.
constexpr std::array<std::uint64_t, kCommands.size()> kCommandPacks = [] {
  std::array<std::uint64_t, kCommands.size()> packs{};
  for (std::size_t i = 0; i < kCommands.size(); ++i) packs[i] = FoldedPack(kCommands[i].name);
  return packs;
}();

constexpr std::size_t kMaxEchoBytes = 40;

// Quotes (a bounded prefix of) what the client sent; ReplyWriter replaces control bytes.
void AppendQuoted(std::string& message, std::string_view token) {
  message += '\'';
  if (token.size() > kMaxEchoBytes) {
    message.append(Utf8Prefix(token, kMaxEchoBytes));
    message += "...";
  } else {
    message.append(token);
  }
  message += '\'';
}

// redis-cell's command, the one name with a '.' and more than 8 letters.
constexpr CommandSpec kThrottleSpec = {
    "CL.THROTTLE", Verb::kThrottle, Handshake::kNone, 4, kNotOnThisWire, 5,
    "CL.THROTTLE <key> <max_burst> <count> <period> [<quantity>]"};

const CommandSpec* FindCommand(Wire wire, std::string_view verb) noexcept {
  if (verb.size() > 8) {
    if (wire == Wire::kResp && RequestBuilder::EqualsUpper(verb, kThrottleSpec.name)) {
      return &kThrottleSpec;
    }
    return nullptr;
  }
  const std::uint64_t packed = FoldedPackOf(verb);
  for (std::size_t i = 0; i < kCommands.size(); ++i) {
    const CommandSpec& spec = kCommands[i];
    if (spec.name.size() == verb.size() && kCommandPacks[i] == packed) {
      if (wire == Wire::kLine && spec.line_max_args == kNotOnThisWire) {
        return nullptr;
      }
      return &spec;
    }
  }
  return nullptr;
}

std::optional<ErrorCode> UnknownCommand(std::string_view verb, std::string& message) {
  message = "unknown command ";
  AppendQuoted(message, verb);
  message += ", expected HIT, TEST, STATS, RESET, CLEAR, PING or QUIT";
  return ErrorCode::kUnknownCommand;
}

std::optional<ErrorCode> WrongArity(const CommandSpec& spec, std::string& message) {
  message = "wrong number of arguments for ";
  message.append(spec.name);
  message += ", expected: ";
  message.append(spec.usage);
  return ErrorCode::kSyntax;
}

// HIT/TEST/STATS/RESET: <limit> <key> [cost].
std::optional<ErrorCode> BuildLimitRequest(Wire wire, std::span<const std::string_view> args,
                                           Request& request, std::string& message) {
  request.limit = args[0];
  request.key = args[1];
  // A line's tokens hold no blank or control byte already: only the size is left to check.
  const bool valid = wire == Wire::kLine
                         ? !request.key.empty() && request.key.size() <= kMaxKeyBytes
                         : RequestBuilder::IsValidKey(request.key);
  if (!valid) {
    message = "key must be 1 to 256 bytes without spaces or control characters, got ";
    message += std::to_string(request.key.size());
    message += " bytes";
    return ErrorCode::kBadKey;
  }
  if (args.size() == 3) {
    std::optional<std::int64_t> cost = RequestBuilder::ParseCost(args[2]);
    if (!cost) {
      message = "cost must be an integer from 1 to 1000000000, got ";
      AppendQuoted(message, args[2]);
      return ErrorCode::kBadCost;
    }
    request.cost = *cost;
  }
  return std::nullopt;
}

// A non-negative integer of at most `max`, as CL.THROTTLE's arguments are.
std::optional<std::int64_t> ParseBounded(std::string_view text, std::int64_t max) noexcept {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > max) return std::nullopt;
  }
  return value;
}

// CL.THROTTLE <key> <max_burst> <count> <period> [<quantity>].
std::optional<ErrorCode> BuildThrottle(std::span<const std::string_view> args, Request& request,
                                       std::string& message) {
  request.key = args[0];
  if (!RequestBuilder::IsValidKey(request.key)) {
    message = "key must be 1 to 256 bytes without spaces or control characters, got ";
    message += std::to_string(request.key.size());
    message += " bytes";
    return ErrorCode::kBadKey;
  }
  struct Field {
    std::string_view name;
    std::int64_t min;
    std::int64_t max;
    std::int64_t* out;
  };
  Throttle& t = request.throttle;
  const Field fields[] = {{"max_burst", 0, kMaxCost - 1, &t.max_burst},
                          {"count", 1, kMaxCost, &t.count},
                          {"period", 1, kMaxThrottlePeriod, &t.period},
                          {"quantity", 0, kMaxCost, &t.quantity}};
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    const Field& f = fields[i];
    const std::optional<std::int64_t> value = ParseBounded(args[i + 1], f.max);
    if (!value || *value < f.min) {
      message = "CL.THROTTLE ";
      message.append(f.name);
      message += " must be an integer from " + std::to_string(f.min) + " to " +
                 std::to_string(f.max) + ", got ";
      AppendQuoted(message, args[i + 1]);
      // redis-cell's words for a zero rate.
      if (value && *value == 0) message += " (zero rates are not supported)";
      return f.name == "quantity" ? ErrorCode::kBadCost : ErrorCode::kBadRate;
    }
    *f.out = *value;
  }
  return std::nullopt;
}

// HELLO's options after the version: `AUTH <user> <password>` is kept, others skipped.
void FindHelloAuth(std::span<const std::string_view> args, Request& request) {
  for (std::size_t i = 1; i + 2 < args.size(); ++i) {
    if (RequestBuilder::EqualsUpper(args[i], "AUTH")) {
      request.user = args[i + 1];
      request.password = args[i + 2];
      return;
    }
  }
}

std::optional<ErrorCode> BuildHandshake(std::span<const std::string_view> args, Request& request,
                                        std::string& message) {
  if (!args.empty()) {
    request.argument = args[0];
  }
  if (request.handshake == Handshake::kHello) FindHelloAuth(args, request);
  if (request.handshake == Handshake::kSelect && args[0] != "0") {
    message = "SELECT ";
    AppendQuoted(message, args[0]);
    message += ": limitsd has only database 0";
    return ErrorCode::kUnsupported;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ErrorCode> RequestBuilder::Build(Wire wire, std::span<const std::string_view> tokens,
                                               Request& request, std::string& message) {
  const CommandSpec* spec = FindCommand(wire, tokens[0]);
  if (spec == nullptr) {
    return UnknownCommand(tokens[0], message);
  }
  std::span<const std::string_view> args = tokens.subspan(1);
  const int max_args = wire == Wire::kLine ? spec->line_max_args : spec->resp_max_args;
  if (static_cast<int>(args.size()) < spec->min_args || static_cast<int>(args.size()) > max_args) {
    return WrongArity(*spec, message);
  }
  request = Request{};
  request.wire = wire;
  request.verb = spec->verb;
  request.handshake = spec->handshake;
  switch (spec->verb) {
    case Verb::kHit:
    case Verb::kTest:
    case Verb::kStats:
    case Verb::kReset:
      return BuildLimitRequest(wire, args, request, message);
    case Verb::kPing:
      if (!args.empty()) {
        request.argument = args[0];
      }
      return std::nullopt;
    case Verb::kQuit:
      return std::nullopt;
    case Verb::kHandshake:
      return BuildHandshake(args, request, message);
    case Verb::kThrottle:
      return BuildThrottle(args, request, message);
    case Verb::kAuth:
      if (args.size() == 2) request.user = args[0];
      request.password = args.back();
      return std::nullopt;
  }
  return std::nullopt;
}

bool RequestBuilder::IsValidKey(std::string_view key) noexcept {
  return !key.empty() && key.size() <= kMaxKeyBytes && TextEnd(key, 0) == key.size();
}

std::optional<std::int64_t> RequestBuilder::ParseCost(std::string_view text) noexcept {
  if (text.empty()) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
    if (value > kMaxCost) {  // stops long before int64 could overflow
      return std::nullopt;
    }
  }
  if (value < 1) {
    return std::nullopt;
  }
  return value;
}

bool RequestBuilder::EqualsUpper(std::string_view token, std::string_view upper) noexcept {
  if (token.size() != upper.size()) {
    return false;
  }
  for (std::size_t i = 0; i < token.size(); ++i) {
    char c = token[i];
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - ('a' - 'A'));
    }
    if (c != upper[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace limitsd::protocol
