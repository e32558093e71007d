#pragma once
// Error messages quote the start of what a client sent. Cut at a byte count, a quote could
// end inside a UTF-8 character, and a reply that must be valid UTF-8 (an HTTP JSON body)
// would no longer be.

#include <cstddef>
#include <string_view>

namespace limitsd::protocol {

/// The longest prefix of `text` of at most `max_bytes` that does not end inside a UTF-8
/// character: a cut that falls on a continuation byte moves back to the character's start
/// (at most three bytes; text that is not UTF-8 is cut where asked).
inline std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes) return text;
  const auto continuation = [&](std::size_t i) {
    return (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  std::size_t end = max_bytes;  // text[end] is the first byte left out
  while (end > 0 && max_bytes - end < 3 && continuation(end)) --end;
  return text.substr(0, continuation(end) ? max_bytes : end);
}

}  // namespace limitsd::protocol
