#include "protocol/resp_framer.h"

#include <string>

namespace limitsd::protocol {

RespFramer::Status RespFramer::Feed(std::string_view frame, std::string& message) {
  for (;;) {
    switch (stage_) {
      case Stage::kArrayHeader:
      case Stage::kBulkHeader: {
        std::int64_t value = 0;
        switch (ReadHeader(frame, value, message)) {
          case HeaderStatus::kNeedMore:
            return Status::kNeedMore;
          case HeaderStatus::kError:
            return Status::kError;
          case HeaderStatus::kDone:
            break;
        }
        const Status status = stage_ == Stage::kArrayHeader ? OnArrayLength(value, message)
                                                            : OnBulkLength(value, message);
        if (status != Status::kNeedMore) {
          return status;
        }
        break;
      }
      case Stage::kBulkBody: {
        const Status status = ReadBulkBody(frame, message);
        if (status != Status::kFrame || count_ == expected_) {
          return status;
        }
        stage_ = Stage::kBulkHeader;
        break;
      }
    }
  }
}

// Reads `<prefix><integer>\r\n` at pos_: '*' for the array, '$' for a bulk string. An
// incomplete header is read again from its start on the next call: it is at most
// kMaxHeaderBytes long (a sign and 18 digits), so that costs O(1), and it keeps the common
// case (whole frames in the buffer) a single pass without memchr calls.
RespFramer::HeaderStatus RespFramer::ReadHeader(std::string_view frame, std::int64_t& value,
                                                std::string& message) {
  static_assert(kMaxHeaderBytes >= 1 + 1 + kMaxLengthDigits + 2);
  if (pos_ >= frame.size()) {
    return HeaderStatus::kNeedMore;
  }
  if (frame[pos_] != (stage_ == Stage::kArrayHeader ? '*' : '$')) {
    Fail(ErrorCode::kSyntax, message, "expected '$' and a bulk string length");
    return HeaderStatus::kError;
  }
  std::size_t i = pos_ + 1;
  const bool negative = i < frame.size() && frame[i] == '-';
  i += negative ? 1 : 0;
  const std::size_t first_digit = i;
  std::int64_t parsed = 0;
  for (; i < frame.size() && frame[i] >= '0' && frame[i] <= '9'; ++i) {
    if (i - first_digit == kMaxLengthDigits) {
      Fail(ErrorCode::kSyntax, message, "invalid length");
      return HeaderStatus::kError;
    }
    parsed = parsed * 10 + (frame[i] - '0');
  }
  if (i + 1 >= frame.size()) {
    const bool valid_so_far = i == frame.size() || frame[i] == '\r';
    if (valid_so_far) {
      return HeaderStatus::kNeedMore;
    }
  }
  if (i == first_digit || frame[i] != '\r' || frame[i + 1] != '\n') {
    Fail(ErrorCode::kSyntax, message, "invalid length line, expected digits and CRLF");
    return HeaderStatus::kError;
  }
  value = negative ? -parsed : parsed;
  pos_ = i + 2;
  return HeaderStatus::kDone;
}

RespFramer::Status RespFramer::OnArrayLength(std::int64_t length, std::string& message) {
  if (length == 0 || length == -1) {
    return Status::kEmpty;
  }
  if (length < 0) {
    return Fail(ErrorCode::kSyntax, message, "invalid array length");
  }
  if (length > static_cast<std::int64_t>(kMaxElements)) {
    return Fail(ErrorCode::kTooLong, message, "array of more than 16 elements");
  }
  expected_ = static_cast<std::size_t>(length);
  stage_ = Stage::kBulkHeader;
  return Status::kNeedMore;
}

RespFramer::Status RespFramer::OnBulkLength(std::int64_t length, std::string& message) {
  if (length < 0) {
    return Fail(ErrorCode::kSyntax, message, "invalid bulk string length");
  }
  const auto bytes = static_cast<std::uint64_t>(length);
  if (bytes > max_payload_bytes_ || payload_bytes_ + bytes > max_payload_bytes_) {
    Fail(ErrorCode::kTooLong, message, "request longer than ");
    message += std::to_string(max_payload_bytes_);
    message += " bytes";
    return Status::kError;
  }
  bulk_bytes_ = static_cast<std::size_t>(bytes);
  payload_bytes_ += bulk_bytes_;
  stage_ = Stage::kBulkBody;
  return Status::kNeedMore;
}

// kFrame here means "one more bulk string complete"; Feed decides if the array is.
RespFramer::Status RespFramer::ReadBulkBody(std::string_view frame, std::string& message) {
  if (frame.size() - pos_ < bulk_bytes_ + 2) {
    return Status::kNeedMore;
  }
  if (frame[pos_ + bulk_bytes_] != '\r' || frame[pos_ + bulk_bytes_ + 1] != '\n') {
    return Fail(ErrorCode::kSyntax, message, "bulk string not followed by CRLF");
  }
  spans_[count_] = {pos_, bulk_bytes_};
  ++count_;
  pos_ += bulk_bytes_ + 2;
  return Status::kFrame;
}

RespFramer::Status RespFramer::Fail(ErrorCode code, std::string& message, std::string_view why) {
  error_code_ = code;
  message = "RESP protocol error: ";
  message.append(why);
  return Status::kError;
}

std::span<const std::string_view> RespFramer::Elements(std::string_view frame) noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    elements_[i] = frame.substr(spans_[i].offset, spans_[i].size);
  }
  return {elements_.data(), count_};
}

void RespFramer::Reset() noexcept {
  stage_ = Stage::kArrayHeader;
  pos_ = 0;
  expected_ = 0;
  count_ = 0;
  bulk_bytes_ = 0;
  payload_bytes_ = 0;
}

}  // namespace limitsd::protocol
