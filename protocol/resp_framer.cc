#include "protocol/resp_framer.h"

#include <algorithm>
#include <cstring>

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

namespace {

// Digits with an optional leading '-'; at most 18 of them, so int64 cannot overflow.
bool ParseLength(std::string_view text, std::int64_t& value) noexcept {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) {
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 18) {
    return false;
  }
  std::int64_t parsed = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    parsed = parsed * 10 + (c - '0');
  }
  value = negative ? -parsed : parsed;
  return true;
}

}  // namespace

// Reads `<prefix><integer>\r\n` at pos_: '*' for the array, '$' for a bulk string. Bytes
// already searched for the '\n' are not searched again (scanned_).
RespFramer::HeaderStatus RespFramer::ReadHeader(std::string_view frame, std::int64_t& value,
                                                std::string& message) {
  if (pos_ >= frame.size()) {
    return HeaderStatus::kNeedMore;
  }
  if (frame[pos_] != (stage_ == Stage::kArrayHeader ? '*' : '$')) {
    Fail(ErrorCode::kSyntax, message, "expected '$' and a bulk string length");
    return HeaderStatus::kError;
  }
  const std::size_t from = std::max(scanned_, pos_ + 1);
  const std::size_t limit = std::min(frame.size(), pos_ + kMaxHeaderBytes);
  const void* found =
      from < limit ? std::memchr(frame.data() + from, '\n', limit - from) : nullptr;
  if (found == nullptr) {
    scanned_ = std::max(from, limit);
    if (frame.size() - pos_ < kMaxHeaderBytes) {
      return HeaderStatus::kNeedMore;
    }
    Fail(ErrorCode::kSyntax, message, "length line too long or not ended by CRLF");
    return HeaderStatus::kError;
  }
  const std::size_t newline = static_cast<const char*>(found) - frame.data();
  std::string_view digits = frame.substr(pos_ + 1, newline - pos_ - 1);
  if (digits.empty() || digits.back() != '\r') {
    Fail(ErrorCode::kSyntax, message, "length line not ended by CRLF");
    return HeaderStatus::kError;
  }
  digits.remove_suffix(1);
  if (!ParseLength(digits, value)) {
    Fail(ErrorCode::kSyntax, message, "invalid length");
    return HeaderStatus::kError;
  }
  pos_ = newline + 1;
  scanned_ = 0;
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
  scanned_ = 0;
  expected_ = 0;
  count_ = 0;
  bulk_bytes_ = 0;
  payload_bytes_ = 0;
}

}  // namespace limitsd::protocol
