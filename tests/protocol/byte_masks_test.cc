#include "protocol/byte_masks.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace limitsd::protocol {
namespace {

// Every byte value at every position of sixteen bytes, among neighbours of each class (the
// 64-bit arithmetic must not carry one byte's test into the next), in both implementations.
TEST(ByteMasks, EveryByteAtEveryPositionIsClassedByItself) {
  const std::string neighbours("a \t\x00\x7f\xff\x20\x21\x1f\x80", 10);
  for (const char neighbour : neighbours) {
    for (std::size_t at = 0; at < 16; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string bytes(16, neighbour);
        bytes[at] = static_cast<char>(b);
        std::uint32_t not_visible = 0;
        std::uint32_t blank = 0;
        for (std::size_t j = 0; j < 16; ++j) {
          const auto c = static_cast<unsigned char>(bytes[j]);
          if (c < 0x21 || c == 0x7f) not_visible |= 1U << j;
          if (c == ' ' || c == '\t') blank |= 1U << j;
        }
        const std::string where = "byte " + std::to_string(b) + " at " + std::to_string(at) +
                                  " among " + std::to_string(static_cast<unsigned char>(neighbour));
        const ByteMasks portable = ByteMasks16Portable(bytes.data());
        ASSERT_EQ(portable.not_visible, not_visible) << where;
        ASSERT_EQ(portable.blank, blank) << where;
        const ByteMasks masks = ByteMasks16(bytes.data());
        ASSERT_EQ(masks.not_visible, not_visible) << where;
        ASSERT_EQ(masks.blank, blank) << where;
      }
    }
  }
}

}  // namespace
}  // namespace limitsd::protocol
