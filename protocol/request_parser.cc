#include "protocol/request_parser.h"

#include <array>
#include <bit>
#include <cstring>
#include <optional>
#include <span>

#include "protocol/byte_masks.h"
#include "protocol/request_builder.h"

namespace limitsd::protocol {
namespace {

constexpr std::size_t kMessageReserve = 256;

constexpr std::size_t kMaxLineTokens = RequestParser::kMaxLineTokens;

bool IsBlank(char c) noexcept { return c == ' ' || c == '\t'; }

// Splits a line at blanks (the line of a frame that RequestParser::ShortLine did not split).
// Keeps the first kMaxLineTokens tokens (enough to report a wrong arity) in `tokens` and
// returns their count, or returns kControlByte at the first control byte, which it stores in
// `control`. `line_size` bytes from `data` are the line, and `readable` bytes from `data`
// may be read: the line and its terminator ('\r' or '\n') at least. A token's end is found
// eight bytes at a time over all of them: the terminator is not visible, so a token never
// runs past the line.
constexpr std::size_t kControlByte = kMaxLineTokens + 1;
std::size_t SplitLine(const char* data, std::size_t line_size, std::size_t readable,
                      std::string_view* tokens, char& control) noexcept {
  const std::string_view text(data, readable);
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < line_size && IsBlank(data[i])) ++i;
  while (i < line_size) {
    const std::size_t start = i;  // not a blank: the start of a token, or a control byte
    i = RequestBuilder::TextEnd(text, i);
    if (count < kMaxLineTokens && i != start) {
      tokens[count++] = std::string_view(data + start, i - start);
    }
    if (i == line_size) break;
    if (!IsBlank(data[i])) [[unlikely]] {  // neither visible nor a blank
      control = data[i];
      return kControlByte;
    }
    do ++i;
    while (i < line_size && IsBlank(data[i]));
  }
  return count;
}

// The lines RequestParser::ShortLine splits: one bit per byte, and one for the line's end.
constexpr std::size_t kShortLineBytes = 63;

// The masks of the sixteen bytes at data + k, of which `readable` - k may be read (at least
// one). Bytes past the readable ones are never read; their bits are zero in both masks (as
// if visible), which callers mask off with the readable bytes' bits.
ByteMasks MasksAt(const char* data, std::size_t k, std::size_t readable) noexcept {
  if (k + 16 <= readable) return ByteMasks16(data + k);
  if (readable >= 16) {  // the last sixteen readable bytes, byte k first
    ByteMasks masks = ByteMasks16(data + readable - 16);
    const std::size_t shift = k - (readable - 16);
    return {masks.not_visible >> shift, masks.blank >> shift};
  }
  // Fewer than sixteen readable bytes, so k is 0: a copy, the rest zeros.
  char copy[16] = {};
  std::memcpy(copy, data, readable);
  return ByteMasks16(copy);
}

// The tokens of a line of at most kShortLineBytes without control bytes, from the mask of
// the bytes that are not visible, with the line's end and every bit after it set: the runs
// of zeros. Returns their count, keeping the first kMaxLineTokens.
std::size_t TokensOf(const char* data, std::uint64_t separators,
                     std::string_view* tokens) noexcept {
  const std::uint64_t visible = ~separators;
  std::uint64_t starts = visible & ~(visible << 1);
  std::uint64_t ends = separators & (visible << 1);  // the byte after each token
  std::size_t count = 0;
  while (starts != 0 && count < kMaxLineTokens) {
    const auto start = static_cast<std::size_t>(std::countr_zero(starts));
    // Not zero: each token's end is in `ends`, the line's own end at the latest.
    const auto end = static_cast<std::size_t>(__builtin_ctzll(ends));
    tokens[count++] = std::string_view(data + start, end - start);
    starts &= starts - 1;
    ends &= ends - 1;
  }
  return count;
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

// Most lines are short and whole: one scan of the frame's first bytes finds the line's end
// (its first control byte, when that is a "\n" or a "\r\n") and its tokens at once. The
// first '\n' is then that one, and the line holds no control byte, as NextLine would find.
// Anything else is left to NextLineScanned: a partial line, a control byte in the line, a
// line longer than kShortLineBytes or than max_line_bytes.
bool RequestParser::ShortLine(std::string_view frame, ParseResult& result) {
  const char* const data = frame.data();
  const std::size_t size = frame.size();
  const std::uint64_t readable = size < 64 ? (std::uint64_t{1} << size) - 1 : ~std::uint64_t{0};
  std::uint64_t separators = 0;
  std::uint64_t controls = 0;
  for (std::size_t k = 0; controls == 0; k += 16) {
    if (k >= size || k > kShortLineBytes) return false;
    const ByteMasks masks = MasksAt(data, k, size);
    separators |= static_cast<std::uint64_t>(masks.not_visible) << k;
    controls = (static_cast<std::uint64_t>(masks.not_visible & ~masks.blank) << k) & readable;
  }
  const auto end = static_cast<std::size_t>(std::countr_zero(controls));
  std::size_t newline = end;
  if (data[end] != '\n') {
    if (data[end] != '\r' || end + 1 == size || data[end + 1] != '\n') return false;
    newline = end + 1;
  }
  if (end > kShortLineBytes || end > max_line_bytes_) return false;
  mode_ = Mode::kIdle;
  seen_ = 0;
  line_scanned_ = 0;
  result.consumed = newline + 1;  // a blank line: consumed, still kNeedMore
  const std::uint64_t line = (std::uint64_t{1} << end) - 1;
  const std::size_t count = TokensOf(data, (separators & line) | ~line, line_tokens_.data());
  if (count == 0) return true;
  const std::span<const std::string_view> tokens(line_tokens_.data(), count);
  if (RequestBuilder::BuildLineHit(tokens, result.request)) {
    result.kind = ParseResult::Kind::kRequest;
    return true;
  }
  Build(Wire::kLine, tokens, result);
  return true;
}

void RequestParser::NextLine(std::string_view frame, ParseResult& result) {
  // A line searched before (it arrived in pieces) is searched on from where it was left.
  if (line_scanned_ != 0 || !ShortLine(frame, result)) NextLineScanned(frame, result);
}

void RequestParser::NextLineScanned(std::string_view frame, ParseResult& result) {
  const void* found = std::memchr(frame.data() + line_scanned_, '\n', frame.size() - line_scanned_);
  if (found == nullptr) {
    line_scanned_ = frame.size();
    if (PartialLineTooLong(frame)) {
      TooLongLine(frame.size(), result);
    }
    return;
  }
  const auto newline = static_cast<std::size_t>(static_cast<const char*>(found) - frame.data());
  // Reset() without RespFramer's: a line is only ever parsed with the framer reset.
  mode_ = Mode::kIdle;
  seen_ = 0;
  line_scanned_ = 0;
  std::string_view line = frame.substr(0, newline);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (line.size() > max_line_bytes_) {
    TooLongLine(newline + 1, result);
    return;
  }
  ParseLine(line, frame.size(), newline + 1, result);
}

// Room is left for the '\r' of a "\r\n" terminator that has not fully arrived.
bool RequestParser::PartialLineTooLong(std::string_view frame) const noexcept {
  if (frame.size() <= max_line_bytes_) {
    return false;
  }
  return frame.size() > max_line_bytes_ + 1 || frame.back() != '\r';
}

void RequestParser::ParseLine(std::string_view line, std::size_t readable, std::size_t consumed,
                              ParseResult& result) {
  result.consumed = consumed;  // a blank line: consumed, still kNeedMore
  char control = 0;
  const std::size_t count =
      SplitLine(line.data(), line.size(), readable, line_tokens_.data(), control);
  if (count == kControlByte) [[unlikely]] {
    ControlInLine(control, result);
    return;
  }
  if (count == 0) return;
  const std::span<const std::string_view> tokens(line_tokens_.data(), count);
  if (RequestBuilder::BuildLineHit(tokens, result.request)) {
    result.kind = ParseResult::Kind::kRequest;
    return;
  }
  Build(Wire::kLine, tokens, result);
}

void RequestParser::ControlInLine(char control, ParseResult& result) {
  message_ = "control character in the line (byte ";
  message_ += std::to_string(static_cast<unsigned char>(control));
  message_ += "); send printable tokens separated by spaces";
  Error(Wire::kLine, ErrorCode::kSyntax, false, result);
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
