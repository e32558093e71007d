#pragma once
// Turns the tokens of one request (from either wire) into a validated Request. Both parsers
// share it, so the line protocol and RESP accept the same commands with the same rules and
// error codes.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/request.h"

namespace limitsd::protocol {

class RequestBuilder {
 public:
  /// Builds a request from `tokens` (tokens[0] is the verb, matched case-insensitively;
  /// at least one token). On success fills `request` (whose views point into the tokens'
  /// bytes) and returns nullopt; otherwise returns the error code and sets `message` to
  /// what was wrong and what to do. Commands clients send on connecting (HELLO, CLIENT,
  /// COMMAND, SELECT, INFO) are only recognised on the RESP wire.
  static std::optional<ErrorCode> Build(Wire wire, std::span<const std::string_view> tokens,
                                        Request& request, std::string& message);

  /// 1 to kMaxKeyBytes bytes, each a visible byte: no space, tab or other control byte.
  static bool IsValidKey(std::string_view key) noexcept;

  /// The index of the first byte of `text` at or after `from` that is not visible (below
  /// 0x21: a blank or a control byte; or 0x7f), or text.size(). Reads eight bytes per step,
  /// never outside `text`.
  static std::size_t TextEnd(std::string_view text, std::size_t from) noexcept {
    static_assert(std::endian::native == std::endian::little);
    const char* data = text.data();
    const std::size_t size = text.size();
    std::size_t i = from;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, data + i, 8);
      if (const std::uint64_t flags = NotVisibleFlags(word); flags != 0) {
        return i + static_cast<std::size_t>(std::countr_zero(flags) / 8);
      }
    }
    if (i >= size) return size;
    if (size < 8) {
      while (i < size && IsVisible(data[i])) ++i;
      return i;
    }
    // The last eight bytes, shifted so that byte i comes first. The zero bytes shifted in
    // are flagged too, but only past the end.
    std::uint64_t word;
    std::memcpy(&word, data + size - 8, 8);
    word >>= 8 * (i - (size - 8));
    return std::min(size,
                    i + static_cast<std::size_t>(std::countr_zero(NotVisibleFlags(word)) / 8));
  }

  /// A decimal integer from 1 to kMaxCost, digits only (no sign, no blanks).
  static std::optional<std::int64_t> ParseCost(std::string_view text) noexcept;

  /// ASCII case-insensitive equality with `upper`, which must be upper case.
  static bool EqualsUpper(std::string_view token, std::string_view upper) noexcept;

 private:
  static bool IsVisible(char c) noexcept {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte != 0x7f;
  }
  /// A flag (0x80) on the first byte of `word` in memory order (x86 is little-endian) that
  /// is not visible: below 0x21, or 0x7f. Flags after the first may be wrong, the first is
  /// exact: (x - n) & ~x & 0x80 flags a byte below n <= 0x80, and a borrow only carries out
  /// of a byte that is itself flagged. Zero when all eight are visible.
  static std::uint64_t NotVisibleFlags(std::uint64_t word) noexcept {
    constexpr std::uint64_t kEveryByte = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
    const std::uint64_t below_0x21 = (word - 0x21 * kEveryByte) & ~word & kHighBits;
    const std::uint64_t del = word ^ (0x7f * kEveryByte);  // a zero byte where word has 0x7f
    return below_0x21 | ((del - kEveryByte) & ~del & kHighBits);
  }
};

}  // namespace limitsd::protocol
