#pragma once
// The line protocol's byte classes, sixteen bytes at a time, as bit masks: bit j stands for
// the byte at p + j. SSE2 where the compiler targets it (every x86-64), and the same masks
// computed eight bytes at a time in 64-bit arithmetic otherwise. Pure.

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace limitsd::protocol {

struct ByteMasks {
  std::uint32_t not_visible = 0;  ///< below 0x21 (a blank or a control byte), or 0x7f
  std::uint32_t blank = 0;        ///< ' ' or '\t'
};

/// The masks of the 16 bytes at `p`, in 64-bit arithmetic. Exact for every byte: each
/// byte's tests use its own low seven bits only, so no carry crosses into the next byte.
inline ByteMasks ByteMasks16Portable(const char* p) noexcept {
  static_assert(std::endian::native == std::endian::little);
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  constexpr std::uint64_t kEveryByte = 0x0101010101010101ULL;
  // The high bit of each byte, gathered: byte j's to bit 56 + j, then moved down.
  const auto gather = [](std::uint64_t high_bits) {
    return static_cast<std::uint32_t>(((high_bits >> 7) * 0x0102040810204080ULL) >> 56);
  };
  // High bit set where the byte is zero.
  const auto zero = [&](std::uint64_t v) { return ~(((v & kLow7) + kLow7) | v) & kHigh; };
  ByteMasks masks;
  for (int half = 0; half < 2; ++half) {
    std::uint64_t word;
    std::memcpy(&word, p + 8 * half, 8);
    // Visible: 0x80 or more (UTF-8); or low seven bits of 0x21 or more that are not 0x7f's.
    const std::uint64_t from_0x21 = (word & kLow7) + 0x5f * kEveryByte;
    const std::uint64_t visible = ((from_0x21 & ~zero(word ^ (0x7f * kEveryByte))) | word) & kHigh;
    const std::uint64_t blank = zero(word ^ (' ' * kEveryByte)) | zero(word ^ ('\t' * kEveryByte));
    masks.not_visible |= gather(visible ^ kHigh) << (8 * half);
    masks.blank |= gather(blank) << (8 * half);
  }
  return masks;
}

/// The masks of the 16 bytes at `p`.
inline ByteMasks ByteMasks16(const char* p) noexcept {
#if defined(__SSE2__)
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Unsigned bytes up to 0x20 are those equal to their minimum with 0x20.
  const __m128i below_0x21 = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x20)), bytes);
  const __m128i del = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x7f));
  const __m128i blank = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' ')),
                                     _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\t')));
  return {static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_or_si128(below_0x21, del))),
          static_cast<std::uint32_t>(_mm_movemask_epi8(blank))};
#else
  return ByteMasks16Portable(p);
#endif
}

}  // namespace limitsd::protocol
