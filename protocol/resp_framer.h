#pragma once
// Incremental framing of one RESP2 request: `*<n>\r\n` then n bulk strings
// `$<len>\r\n<bytes>\r\n`. It only cuts frames; RequestBuilder gives them meaning.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "protocol/request.h"

namespace limitsd::protocol {

class RespFramer {
 public:
  /// The most elements a request array may have (HIT <limit> <key> <cost> needs 4; the
  /// rest is room for what clients send on connecting, e.g. CLIENT SETINFO ...).
  static constexpr std::size_t kMaxElements = 16;
  /// The most digits of a length (`*<n>` or `$<len>`): 18 cannot overflow int64.
  static constexpr std::size_t kMaxLengthDigits = 18;
  /// The longest length line accepted: prefix, sign, digits, CRLF.
  static constexpr std::size_t kMaxHeaderBytes = 1 + 1 + kMaxLengthDigits + 2;

  enum class Status : std::uint8_t {
    kNeedMore,  ///< the frame is incomplete; call again with the same bytes and more
    kFrame,     ///< a complete frame of frame_bytes() bytes; Elements() gives its strings
    kEmpty,     ///< `*0` or `*-1`: a complete frame with no command (ignored, as Redis does)
    kError,     ///< malformed or oversized: error_code() and the message; not recoverable
  };

  /// `max_payload_bytes` bounds each bulk string and their sum (the line protocol's
  /// max_line_bytes, so both wires accept requests of the same size).
  explicit RespFramer(std::size_t max_payload_bytes) noexcept
      : max_payload_bytes_(max_payload_bytes) {}

  /// Parses on from where the previous call stopped. `frame` starts with the frame's '*'
  /// and holds at least the bytes of the previous call. On kError, `message` says why.
  Status Feed(std::string_view frame, std::string& message);

  /// After kFrame or kEmpty: the frame's size in bytes, CRLFs included.
  std::size_t frame_bytes() const noexcept { return pos_; }
  /// After kFrame: the bulk strings, as views into `frame`.
  std::span<const std::string_view> Elements(std::string_view frame) noexcept;
  /// After kError.
  ErrorCode error_code() const noexcept { return error_code_; }

  /// Forgets the frame in progress; the next Feed starts a new frame.
  void Reset() noexcept;

 private:
  enum class Stage : std::uint8_t { kArrayHeader, kBulkHeader, kBulkBody };
  enum class HeaderStatus : std::uint8_t { kNeedMore, kDone, kError };

  HeaderStatus ReadHeader(std::string_view frame, std::int64_t& value, std::string& message);
  Status OnArrayLength(std::int64_t length, std::string& message);
  Status OnBulkLength(std::int64_t length, std::string& message);
  Status ReadBulkBody(std::string_view frame, std::string& message);
  Status Fail(ErrorCode code, std::string& message, std::string_view why);

  std::size_t max_payload_bytes_;
  Stage stage_ = Stage::kArrayHeader;
  std::size_t pos_ = 0;  ///< bytes of the frame parsed so far
  std::size_t expected_ = 0;
  std::size_t count_ = 0;
  std::size_t bulk_bytes_ = 0;
  std::size_t payload_bytes_ = 0;
  ErrorCode error_code_ = ErrorCode::kSyntax;
  struct Span {
    std::size_t offset;
    std::size_t size;
  };
  std::array<Span, kMaxElements> spans_{};
  std::array<std::string_view, kMaxElements> elements_{};
};

}  // namespace limitsd::protocol
