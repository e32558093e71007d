#include "protocol/request_parser.h"

#include <array>
#include <cstring>
#include <optional>
#include <span>

#include "protocol/request_builder.h"

namespace limitsd::protocol {
namespace {

// A verb and at most three arguments; a fifth token is kept only to report the arity.
constexpr std::size_t kMaxLineTokens = 5;
constexpr std::size_t kMessageReserve = 256;

enum ByteClass : std::uint8_t { kText, kBlank, kControl };

constexpr std::array<std::uint8_t, 256> MakeByteClasses() {
  std::array<std::uint8_t, 256> classes{};
  for (std::size_t byte = 0; byte < 0x20; ++byte) {
    classes[byte] = kControl;
  }
  classes[0x7f] = kControl;
  classes[' '] = kBlank;
  classes['\t'] = kBlank;
  return classes;
}

// One table lookup per byte in the tokenizer's loop instead of several comparisons.
constexpr std::array<std::uint8_t, 256> kByteClasses = MakeByteClasses();

std::uint8_t ClassOf(char c) noexcept { return kByteClasses[static_cast<unsigned char>(c)]; }

using LineTokens = std::array<std::string_view, kMaxLineTokens>;

// Splits a line at blanks. Keeps the first tokens.size() tokens (enough to report a wrong
// arity), or returns false at the first control byte, which it stores in `control`.
bool SplitLine(std::string_view line, LineTokens& tokens, std::size_t& count, char& control) {
  std::size_t i = 0;
  while (i < line.size()) {
    if (ClassOf(line[i]) == kBlank) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    i = RequestBuilder::TextEnd(line, i);
    if (i < line.size() && ClassOf(line[i]) == kControl) {
      control = line[i];
      return false;
    }
    if (count < tokens.size()) {
      tokens[count++] = line.substr(start, i - start);
    }
  }
  return true;
}

// Up to HIT <limit> <key> <cost>: longer arrays (what some clients send on connecting) are
// left to RespFramer, so that the elements' array is short to set up.
constexpr std::size_t kWholeRespElements = 4;

// A whole RESP request at the start of `frame`, read in one pass: `*<n>\r\n` with n from 1
// to kWholeRespElements, then n bulk strings `$<len>\r\n<bytes>\r\n` of at most
// `max_payload` bytes together, each length written in 1 to 9 digits. Returns the frame's
// size and fills `elements` with its n strings; returns 0 when the frame is incomplete or
// anything else (RespFramer then reads it, or says what is wrong). What this accepts,
// RespFramer accepts as the same frame with the same elements: it is RespFramer's grammar
// without the negative lengths, the lengths of 10 digits or more, and the longer arrays.
std::size_t ReadWholeResp(std::string_view frame, std::size_t max_payload,
                          std::array<std::string_view, kWholeRespElements>& elements,
                          std::size_t& count) noexcept {
  const char* const begin = frame.data();
  const char* const end = begin + frame.size();
  const char* p = begin;
  // `<prefix><digits>\r\n` at p; moves p past it.
  auto header = [&](char prefix, std::size_t& value) noexcept {
    if (p == end || *p != prefix) return false;
    const char* const digits = ++p;
    // One or two digits, the common lengths, without the loop.
    if (end - p >= 4) {
      const auto first = static_cast<unsigned char>(p[0] - '0');
      const auto second = static_cast<unsigned char>(p[1] - '0');
      if (first < 10 && p[1] == '\r' && p[2] == '\n') {
        value = first;
        p += 3;
        return true;
      }
      if (first < 10 && second < 10 && p[2] == '\r' && p[3] == '\n') {
        value = first * 10U + second;
        p += 4;
        return true;
      }
    }
    std::size_t v = 0;
    while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
      if (p - digits == 9) return false;
      v = v * 10 + static_cast<std::size_t>(*p - '0');
      ++p;
    }
    if (p == digits || end - p < 2 || p[0] != '\r' || p[1] != '\n') return false;
    p += 2;
    value = v;
    return true;
  };
  std::size_t n = 0;
  if (!header('*', n) || n == 0 || n > kWholeRespElements) return 0;
  std::size_t payload = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t size = 0;
    if (!header('$', size)) return 0;
    payload += size;
    if (payload > max_payload) return 0;
    if (static_cast<std::size_t>(end - p) < size + 2 || p[size] != '\r' || p[size + 1] != '\n') {
      return 0;
    }
    elements[i] = std::string_view(p, size);
    p += size + 2;
  }
  count = n;
  return static_cast<std::size_t>(p - begin);
}

}  // namespace

RequestParser::RequestParser(std::size_t max_line_bytes)
    : max_line_bytes_(max_line_bytes), resp_(max_line_bytes) {
  message_.reserve(kMessageReserve);
}

// The helpers fill `result` in place, so a request is never copied on its way out. A
// request's fields are all set by RequestBuilder::Build, an error's by Error.
void RequestParser::Next(std::string_view input, ParseResult& result) {
  result.kind = ParseResult::Kind::kNeedMore;
  result.consumed = 0;
  std::size_t base = 0;
  while (base < input.size()) {
    const std::string_view frame = input.substr(base);
    const bool fresh = mode_ == Mode::kIdle;
    if (fresh) {
      mode_ = frame.front() == '*' ? Mode::kResp : Mode::kLine;
    } else if (frame.size() < seen_) {
      // The caller dropped bytes we had seen: start this frame over rather than trust
      // offsets into bytes that are gone.
      Reset();
      continue;
    }
    seen_ = frame.size();
    result.consumed = 0;
    if (mode_ == Mode::kLine) {
      NextLine(frame, result);
    } else {
      NextResp(frame, result, fresh);
    }
    if (result.kind == ParseResult::Kind::kNeedMore && result.consumed > 0) {
      base += result.consumed;  // a blank line or an empty array: no reply, go on
      continue;
    }
    result.consumed += base;
    if (result.kind == ParseResult::Kind::kError && result.error.close_connection) {
      result.consumed = input.size();  // nothing after it will be read
    }
    return;
  }
  result.consumed = base;
}

void RequestParser::Reset() noexcept {
  mode_ = Mode::kIdle;
  seen_ = 0;
  line_scanned_ = 0;
  resp_.Reset();
}

void RequestParser::NextLine(std::string_view frame, ParseResult& result) {
  const void* found = std::memchr(frame.data() + line_scanned_, '\n', frame.size() - line_scanned_);
  if (found == nullptr) {
    line_scanned_ = frame.size();
    if (PartialLineTooLong(frame)) {
      TooLongLine(frame.size(), result);
    }
    return;
  }
  const auto newline = static_cast<std::size_t>(static_cast<const char*>(found) - frame.data());
  Reset();
  std::string_view line = frame.substr(0, newline);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (line.size() > max_line_bytes_) {
    TooLongLine(newline + 1, result);
    return;
  }
  ParseLine(line, newline + 1, result);
}

// Room is left for the '\r' of a "\r\n" terminator that has not fully arrived.
bool RequestParser::PartialLineTooLong(std::string_view frame) const noexcept {
  if (frame.size() <= max_line_bytes_) {
    return false;
  }
  return frame.size() > max_line_bytes_ + 1 || frame.back() != '\r';
}

void RequestParser::ParseLine(std::string_view line, std::size_t consumed, ParseResult& result) {
  result.consumed = consumed;  // a blank line: consumed, still kNeedMore
  LineTokens tokens;
  std::size_t count = 0;
  char control = 0;
  if (!SplitLine(line, tokens, count, control)) {
    message_ = "control character in the line (byte ";
    message_ += std::to_string(static_cast<unsigned char>(control));
    message_ += "); send printable tokens separated by spaces";
    Error(Wire::kLine, ErrorCode::kSyntax, false, result);
    return;
  }
  if (count != 0) {
    Build(Wire::kLine, std::span<const std::string_view>(tokens.data(), count), result);
  }
}

void RequestParser::NextResp(std::string_view frame, ParseResult& result, bool fresh) {
  if (fresh) {  // most frames arrive whole: read them in one pass
    std::array<std::string_view, kWholeRespElements> elements;
    std::size_t count = 0;
    if (const std::size_t bytes = ReadWholeResp(frame, max_line_bytes_, elements, count)) {
      result.consumed = bytes;
      Reset();
      Build(Wire::kResp, std::span<const std::string_view>(elements.data(), count), result);
      return;
    }
  }
  switch (resp_.Feed(frame, message_)) {
    case RespFramer::Status::kNeedMore:
      return;
    case RespFramer::Status::kEmpty:
      result.consumed = resp_.frame_bytes();  // still kNeedMore: no request, no reply
      Reset();
      return;
    case RespFramer::Status::kError: {
      const ErrorCode code = resp_.error_code();
      Reset();
      result.consumed = frame.size();
      Error(Wire::kResp, code, true, result);
      return;
    }
    case RespFramer::Status::kFrame:
      break;
  }
  result.consumed = resp_.frame_bytes();
  const std::span<const std::string_view> elements = resp_.Elements(frame);
  Reset();
  Build(Wire::kResp, elements, result);
}

void RequestParser::Build(Wire wire, std::span<const std::string_view> tokens,
                          ParseResult& result) {
  const std::optional<ErrorCode> code =
      RequestBuilder::Build(wire, tokens, result.request, message_);
  if (code) {
    Error(wire, *code, false, result);
    return;
  }
  result.kind = ParseResult::Kind::kRequest;
}

void RequestParser::Error(Wire wire, ErrorCode code, bool close, ParseResult& result) {
  result.kind = ParseResult::Kind::kError;
  result.error.code = code;
  result.error.message = message_;
  result.error.wire = wire;
  result.error.close_connection = close;
}

void RequestParser::TooLongLine(std::size_t consumed, ParseResult& result) {
  Reset();
  message_ = "line longer than ";
  message_ += std::to_string(max_line_bytes_);
  message_ += " bytes (server.max_line_bytes); the connection is closed";
  result.consumed = consumed;
  Error(Wire::kLine, ErrorCode::kTooLong, true, result);
}

}  // namespace limitsd::protocol
