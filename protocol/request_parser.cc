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

bool IsBlank(char c) noexcept { return c == ' ' || c == '\t'; }

bool IsControl(char c) noexcept {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

using LineTokens = std::array<std::string_view, kMaxLineTokens>;

// Splits a line at blanks. Keeps the first tokens.size() tokens (enough to report a wrong
// arity), or returns false at the first control byte, which it stores in `control`.
bool SplitLine(std::string_view line, LineTokens& tokens, std::size_t& count, char& control) {
  std::size_t i = 0;
  while (i < line.size()) {
    if (IsBlank(line[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    for (; i < line.size() && !IsBlank(line[i]); ++i) {
      if (IsControl(line[i])) {
        control = line[i];
        return false;
      }
    }
    if (count < tokens.size()) {
      tokens[count++] = line.substr(start, i - start);
    }
  }
  return true;
}

// A blank line or an empty RESP array: consumed, but no request and no reply. Next() tells
// it from a real kNeedMore by consumed > 0 (a real one consumes nothing).
ParseResult Skip(std::size_t consumed) {
  ParseResult result;
  result.consumed = consumed;
  return result;
}

}  // namespace

RequestParser::RequestParser(std::size_t max_line_bytes)
    : max_line_bytes_(max_line_bytes), resp_(max_line_bytes) {
  message_.reserve(kMessageReserve);
}

ParseResult RequestParser::Next(std::string_view input) {
  std::size_t base = 0;
  while (base < input.size()) {
    const std::string_view frame = input.substr(base);
    if (mode_ == Mode::kIdle) {
      mode_ = frame.front() == '*' ? Mode::kResp : Mode::kLine;
    } else if (frame.size() < seen_) {
      // The caller dropped bytes we had seen: start this frame over rather than trust
      // offsets into bytes that are gone.
      Reset();
      continue;
    }
    seen_ = frame.size();
    ParseResult result = mode_ == Mode::kLine ? NextLine(frame) : NextResp(frame);
    if (result.kind == ParseResult::Kind::kNeedMore && result.consumed > 0) {
      base += result.consumed;
      continue;
    }
    result.consumed += base;
    if (result.kind == ParseResult::Kind::kError && result.error.close_connection) {
      result.consumed = input.size();  // nothing after it will be read
    }
    return result;
  }
  return Skip(base);
}

void RequestParser::Reset() noexcept {
  mode_ = Mode::kIdle;
  seen_ = 0;
  line_scanned_ = 0;
  resp_.Reset();
}

ParseResult RequestParser::NextLine(std::string_view frame) {
  const void* found = std::memchr(frame.data() + line_scanned_, '\n',
                                  frame.size() - line_scanned_);
  if (found == nullptr) {
    line_scanned_ = frame.size();
    if (PartialLineTooLong(frame)) {
      return TooLongLine(frame.size());
    }
    return ParseResult{};
  }
  const std::size_t newline = static_cast<const char*>(found) - frame.data();
  Reset();
  std::string_view line = frame.substr(0, newline);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (line.size() > max_line_bytes_) {
    return TooLongLine(newline + 1);
  }
  return ParseLine(line, newline + 1);
}

// Room is left for the '\r' of a "\r\n" terminator that has not fully arrived.
bool RequestParser::PartialLineTooLong(std::string_view frame) const noexcept {
  if (frame.size() <= max_line_bytes_) {
    return false;
  }
  return frame.size() > max_line_bytes_ + 1 || frame.back() != '\r';
}

ParseResult RequestParser::ParseLine(std::string_view line, std::size_t consumed) {
  LineTokens tokens;
  std::size_t count = 0;
  char control = 0;
  if (!SplitLine(line, tokens, count, control)) {
    message_ = "control character in the line (byte ";
    message_ += std::to_string(static_cast<unsigned char>(control));
    message_ += "); send printable tokens separated by spaces";
    return Error(Wire::kLine, ErrorCode::kSyntax, consumed, false);
  }
  if (count == 0) {
    return Skip(consumed);
  }
  ParseResult result;
  result.consumed = consumed;
  const std::optional<ErrorCode> code = RequestBuilder::Build(
      Wire::kLine, std::span<const std::string_view>(tokens.data(), count), result.request,
      message_);
  if (code) {
    return Error(Wire::kLine, *code, consumed, false);
  }
  result.kind = ParseResult::Kind::kRequest;
  return result;
}

ParseResult RequestParser::NextResp(std::string_view frame) {
  switch (resp_.Feed(frame, message_)) {
    case RespFramer::Status::kNeedMore:
      return ParseResult{};
    case RespFramer::Status::kEmpty: {
      const std::size_t consumed = resp_.frame_bytes();
      Reset();
      return Skip(consumed);
    }
    case RespFramer::Status::kError: {
      const ErrorCode code = resp_.error_code();
      Reset();
      return Error(Wire::kResp, code, frame.size(), true);
    }
    case RespFramer::Status::kFrame:
      break;
  }
  ParseResult result;
  result.consumed = resp_.frame_bytes();
  const std::span<const std::string_view> elements = resp_.Elements(frame);
  Reset();
  const std::optional<ErrorCode> code =
      RequestBuilder::Build(Wire::kResp, elements, result.request, message_);
  if (code) {
    return Error(Wire::kResp, *code, result.consumed, false);
  }
  result.kind = ParseResult::Kind::kRequest;
  return result;
}

ParseResult RequestParser::Error(Wire wire, ErrorCode code, std::size_t consumed, bool close) {
  ParseResult result;
  result.kind = ParseResult::Kind::kError;
  result.consumed = consumed;
  result.error.code = code;
  result.error.message = message_;
  result.error.wire = wire;
  result.error.close_connection = close;
  return result;
}

ParseResult RequestParser::TooLongLine(std::size_t consumed) {
  Reset();
  message_ = "line longer than ";
  message_ += std::to_string(max_line_bytes_);
  message_ += " bytes (server.max_line_bytes); the connection is closed";
  return Error(Wire::kLine, ErrorCode::kTooLong, consumed, true);
}

}  // namespace limitsd::protocol
