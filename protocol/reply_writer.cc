#include "protocol/reply_writer.h"

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "protocol/request_builder.h"

namespace limitsd::protocol {
namespace {

#ifndef LIMITSD_VERSION
#define LIMITSD_VERSION "unknown"
#endif
constexpr std::string_view kServerVersion = LIMITSD_VERSION;

// Room for "DENY " or "*5\r\n:0\r\n" plus four int64s with their separators.
constexpr std::size_t kDecisionBufferBytes = 160;

// "00" to "99", two characters each.
constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> pairs{};
  for (std::size_t i = 0; i < 100; ++i) {
    pairs[2 * i] = static_cast<char>('0' + i / 10);
    pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();

// The digits std::to_chars writes. A decision's numbers are mostly small and not negative
// (amounts, counts, milliseconds): those below 10^8 are written here, two digits at a time
// from a length found by comparisons, in 32-bit arithmetic and inlined into the reply; the
// others by std::to_chars. The fast path does not check `end`: a caller leaves room for 8
// digits.
[[gnu::always_inline]] inline char* AppendInt(char* out, char* end, std::int64_t value) {
  if (value < 0 || value >= 100'000'000) [[unlikely]] {
    return std::to_chars(out, end, value).ptr;
  }
  auto v = static_cast<std::uint32_t>(value);
  if (v < 10) {  // a zero retry, an exhausted remaining
    *out = static_cast<char>('0' + v);
    return out + 1;
  }
  const std::size_t digits =
      v < 10'000 ? (v < 100 ? 2 : (v < 1'000 ? 3 : 4))
                 : (v < 1'000'000 ? (v < 100'000 ? 5 : 6) : (v < 10'000'000 ? 7 : 8));
  char* p = out + digits;
  while (v >= 100) {
    p -= 2;
    std::memcpy(p, &kDigitPairs[2 * (v % 100)], 2);
    v /= 100;
  }
  if (v >= 10) {
    std::memcpy(p - 2, &kDigitPairs[2 * v], 2);
  } else {
    p[-1] = static_cast<char>('0' + v);
  }
  return out + digits;
}

char* AppendText(char* out, std::string_view text) {
  for (char c : text) {
    *out++ = c;
  }
  return out;
}

char* AppendRespInt(char* out, char* end, std::int64_t value) {
  *out++ = ':';
  out = AppendInt(out, end, value);
  *out++ = '\r';
  *out++ = '\n';
  return out;
}

// The first eight bytes of "OK " and of "DENY ", as a word stored on little-endian x86.
static_assert(std::endian::native == std::endian::little);
constexpr std::uint64_t Word(std::string_view text) noexcept {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < text.size() && i < 8; ++i) {
    word |= static_cast<std::uint64_t>(static_cast<unsigned char>(text[i])) << (8 * i);
  }
  return word;
}
constexpr std::uint64_t kOkHead = Word("OK ");
constexpr std::uint64_t kDenyHead = Word("DENY ");

bool IsControl(char c) noexcept {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

}  // namespace

void ReplyWriter::Decision(Wire wire, const DecisionReply& decision) {
  char buffer[kDecisionBufferBytes];
  char* const end = buffer + sizeof(buffer);
  char* p = buffer;
  if (wire == Wire::kLine) {
    // "OK " or "DENY ", written as one word whatever the answer.
    const std::uint64_t head = decision.allowed ? kOkHead : kDenyHead;
    std::memcpy(p, &head, 8);
    p += decision.allowed ? 3 : 5;
    p = AppendInt(p, end, decision.limit);
    *p++ = ' ';
    p = AppendInt(p, end, decision.remaining);
    *p++ = ' ';
    p = AppendInt(p, end, decision.reset_ms);
    *p++ = ' ';
    p = AppendInt(p, end, decision.retry_ms);
    if (decision.shadowed) p = AppendText(p, " shadow");
    *p++ = '\n';
  } else {
    p = AppendText(p, decision.allowed ? "*5\r\n:1\r\n" : "*5\r\n:0\r\n");
    p = AppendRespInt(p, end, decision.limit);
    p = AppendRespInt(p, end, decision.remaining);
    p = AppendRespInt(p, end, decision.reset_ms);
    p = AppendRespInt(p, end, decision.retry_ms);
  }
  out_->append(buffer, static_cast<std::size_t>(p - buffer));
}

void ReplyWriter::Throttle(const ThrottleReply& reply) {
  char buffer[kDecisionBufferBytes];
  char* const end = buffer + sizeof(buffer);
  char* p = AppendText(buffer, reply.limited ? "*5\r\n:1\r\n" : "*5\r\n:0\r\n");
  p = AppendRespInt(p, end, reply.limit);
  p = AppendRespInt(p, end, reply.remaining);
  p = AppendRespInt(p, end, reply.retry_after);
  p = AppendRespInt(p, end, reply.reset_after);
  out_->append(buffer, static_cast<std::size_t>(p - buffer));
}

void ReplyWriter::Ok(Wire wire) { out_->append(wire == Wire::kLine ? "OK\n" : "+OK\r\n"); }

void ReplyWriter::Pong(Wire wire, std::string_view argument) {
  if (wire == Wire::kLine) {
    out_->append("PONG\n");
  } else if (argument.data() == nullptr) {
    out_->append("+PONG\r\n");
  } else {
    AppendBulk(argument);  // Redis echoes even an empty argument
  }
}

void ReplyWriter::Bye(Wire wire) { out_->append(wire == Wire::kLine ? "BYE\n" : "+OK\r\n"); }

void ReplyWriter::Error(Wire wire, ErrorCode code, std::string_view message) {
  if (wire == Wire::kResp && code == ErrorCode::kNoPerm) {
    out_->append("-NOPERM");  // Redis' own prefix: clients raise their permission error
  } else {
    out_->append(wire == Wire::kLine ? "ERR " : "-ERR ");
    out_->append(ErrorCodeName(code));
  }
  if (!message.empty()) {
    out_->push_back(' ');
    AppendSanitized(message);
  }
  out_->append(wire == Wire::kLine ? "\n" : "\r\n");
}

void ReplyWriter::AuthRequired(Wire wire) {
  out_->append(wire == Wire::kLine ? "ERR noauth Authentication required.\n"
                                   : "-NOAUTH Authentication required.\r\n");
}

void ReplyWriter::WrongPassword(Wire wire) {
  out_->append(wire == Wire::kLine
                   ? "ERR wrongpass invalid password\n"
                   : "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
}

void ReplyWriter::AuthNotConfigured(Wire wire) {
  out_->append(wire == Wire::kLine
                   ? "ERR unsupported AUTH without a password configured: server.password is "
                     "not set, send no AUTH\n"
                   : "-ERR AUTH <password> called without any password configured for the "
                     "default user. Are you sure your configuration is correct?\r\n");
}

void ReplyWriter::Handshake(const Request& request) {
  switch (request.handshake) {
    case protocol::Handshake::kHello:
      if (request.argument == "2") {
        // A client that asks for RESP2 by name (node-redis' RESP: 2) stops on an error:
        // answer as Redis 6 does, a flat array of field/value pairs.
        out_->append("*14\r\n$6\r\nserver\r\n$7\r\nlimitsd\r\n$7\r\nversion\r\n");
        AppendBulk(kServerVersion);
        out_->append(
            "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:0\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
            "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
        return;
      }
      out_->append(
          "-ERR unknown command 'HELLO', limitsd speaks RESP2 only (unknown_command)\r\n");
      return;
    case protocol::Handshake::kCommand:
      out_->append(RequestBuilder::EqualsUpper(request.argument, "COUNT") ? ":0\r\n"
                                                                          : "*0\r\n");
      return;
    case protocol::Handshake::kInfo:
      AppendBulk("# Server\r\nserver_name:limitsd\r\nredis_mode:standalone\r\nloading:0\r\n");
      return;
    case protocol::Handshake::kClient:
    case protocol::Handshake::kSelect:
    case protocol::Handshake::kNone:
      Ok(request.wire);
      return;
  }
}

void ReplyWriter::AppendSanitized(std::string_view text) {
  const bool cut = text.size() > kMaxMessageBytes;
  if (cut) {
    text = text.substr(0, kMaxMessageBytes);
  }
  const std::size_t start = out_->size();
  out_->append(text);
  for (std::size_t i = start; i < out_->size(); ++i) {
    if (IsControl((*out_)[i])) {
      (*out_)[i] = '?';
    }
  }
  if (cut) {
    out_->append("...");
  }
}

void ReplyWriter::AppendBulk(std::string_view text) {
  char header[32];
  char* p = header;
  *p++ = '$';
  p = std::to_chars(p, header + sizeof(header), text.size()).ptr;
  *p++ = '\r';
  *p++ = '\n';
  out_->append(header, static_cast<std::size_t>(p - header));
  out_->append(text);
  out_->append("\r\n");
}

}  // namespace limitsd::protocol
