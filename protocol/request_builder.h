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

  /// Build's work for the commonest request, a line's `HIT <limit> <key> [cost]` with a key
  /// and a cost that are valid, without its table of commands: true when `tokens` are one
  /// (and `request` is filled as Build fills it), false for anything else, which Build then
  /// builds or rejects. Line tokens only: they hold no blank or control byte.
  static bool BuildLineHit(std::span<const std::string_view> tokens, Request& request) noexcept {
    if (tokens.size() != 3 && tokens.size() != 4) return false;
    const std::string_view verb = tokens[0];
    // Each byte OR 0x20 is 'h', 'i', 't' for 'H'/'h', 'I'/'i', 'T'/'t' and no other byte.
    if (verb.size() != 3 || (verb[0] | 0x20) != 'h' || (verb[1] | 0x20) != 'i' ||
        (verb[2] | 0x20) != 't') {
      return false;
    }
    const std::string_view key = tokens[2];
    if (key.empty() || key.size() > kMaxKeyBytes) return false;
    std::int64_t cost = 1;
    if (tokens.size() == 4) {
      const std::optional<std::int64_t> parsed = ParseCost(tokens[3]);
      if (!parsed) return false;
      cost = *parsed;
    }
    request = Request{};
    request.wire = Wire::kLine;
    request.verb = Verb::kHit;
    request.limit = tokens[1];
    request.key = key;
    request.cost = cost;
    return true;
  }

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
