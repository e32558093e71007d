#include "storage/memcached/memcached_reply.h"

#include <charconv>

#include "storage/storage_error.h"

namespace limitsd::storage::memcached {
namespace {

// A memcached line is short; a longer one means we are out of step with the server.
constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::string_view kValuePrefix = "VALUE ";

template <class T>
bool ParseNumber(std::string_view& text, T& out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || ptr == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
  return true;
}

// "VALUE <key> <flags> <bytes> [<cas>]": the numbers after the key.
bool ParseValueHeader(std::string_view line, MemcachedReply& reply, std::size_t& bytes) {
  line.remove_prefix(kValuePrefix.size());
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0) return false;
  line.remove_prefix(space);
  if (!ParseNumber(line, reply.flags) || !ParseNumber(line, bytes)) return false;
  reply.cas = 0;
  if (!line.empty() && !ParseNumber(line, reply.cas)) return false;
  return line.empty();
}

}  // namespace

ParseStatus ReplyParser::Parse(std::string_view buffer, MemcachedReply& reply,
                               std::size_t& consumed) {
  std::size_t pos = 0;
  reply.has_value = false;
  while (true) {
    const std::size_t eol = buffer.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      return buffer.size() - pos > kMaxLineBytes ? ParseStatus::kMalformed
                                                 : ParseStatus::kIncomplete;
    }
    const std::string_view line = buffer.substr(pos, eol - pos);
    pos = eol + 2;
    if (!line.starts_with(kValuePrefix)) {
      reply.status = std::string(line);
      consumed = pos;
      return ParseStatus::kComplete;
    }
    std::size_t bytes = 0;
    if (!ParseValueHeader(line, reply, bytes)) return ParseStatus::kMalformed;
    if (buffer.size() < pos + bytes + 2) return ParseStatus::kIncomplete;
    if (buffer.substr(pos + bytes, 2) != "\r\n") return ParseStatus::kMalformed;
    reply.value.assign(buffer.substr(pos, bytes));
    reply.has_value = true;
    pos += bytes + 2;
  }
}

std::error_code ReplyError(const MemcachedReply& reply) {
  const std::string_view status = reply.status;
  if (status.starts_with("SERVER_ERROR object too large")) return StorageErrc::kTooLarge;
  if (status.starts_with("SERVER_ERROR out of memory")) return StorageErrc::kUnavailable;
  return StorageErrc::kProtocol;
}

bool BreaksStream(const MemcachedReply& reply) noexcept {
  const std::string_view status = reply.status;
  return status == "ERROR" || status.starts_with("CLIENT_ERROR");
}

}  // namespace limitsd::storage::memcached
