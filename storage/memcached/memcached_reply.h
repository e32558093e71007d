#pragma once
// memcached text-protocol replies, parsed incrementally from a receive buffer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace limitsd::storage::memcached {

/// One reply: for retrievals (get/gets), the value when there was one and the closing line
/// ("END"); for every other command, its one status line ("STORED", "EXISTS", "NOT_FOUND",
/// "DELETED", "VERSION 1.6.18", a number for incr/decr, "SERVER_ERROR ...", ...).
struct MemcachedReply {
  std::string status;  ///< the last line, without "\r\n"
  bool has_value = false;
  std::string value;
  std::uint32_t flags = 0;
  std::uint64_t cas = 0;
};

enum class ParseStatus : std::uint8_t {
  kIncomplete,  ///< more bytes are needed
  kComplete,    ///< one reply parsed
  kMalformed,   ///< the stream cannot be a memcached reply stream any more
};

class ReplyParser {
 public:
  /// Parses the first reply in `buffer`. On kComplete, `consumed` is its size in bytes.
  static ParseStatus Parse(std::string_view buffer, MemcachedReply& reply, std::size_t& consumed);
};

/// The storage error a failure reply means: "SERVER_ERROR object too large ..." is
/// kTooLarge, "SERVER_ERROR out of memory ..." kUnavailable, anything else kProtocol.
std::error_code ReplyError(const MemcachedReply& reply);

/// Whether the server may have lost track of the stream (ERROR, CLIENT_ERROR): the connection
/// is then closed rather than trusted.
bool BreaksStream(const MemcachedReply& reply) noexcept;

}  // namespace limitsd::storage::memcached
