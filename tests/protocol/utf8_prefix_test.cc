#include "protocol/utf8_prefix.h"

#include <gtest/gtest.h>

namespace limitsd::protocol {
namespace {

TEST(Utf8Prefix, ShortTextIsWhole) {
  EXPECT_EQ(Utf8Prefix("abc", 3), "abc");
  EXPECT_EQ(Utf8Prefix("", 0), "");
}

TEST(Utf8Prefix, AsciiIsCutWhereAsked) { EXPECT_EQ(Utf8Prefix("abcdef", 4), "abcd"); }

TEST(Utf8Prefix, ACutInsideACharacterMovesBeforeIt) {
  // "\xd6\x89" is one two-byte character, "\xe2\x82\xac" one of three, "\xf0\x9f\x98\x80"
  // one of four.
  EXPECT_EQ(Utf8Prefix("ab\xd6\x89z", 3), "ab");
  EXPECT_EQ(Utf8Prefix("ab\xd6\x89z", 4), "ab\xd6\x89");
  EXPECT_EQ(Utf8Prefix("a\xe2\x82\xac", 2), "a");
  EXPECT_EQ(Utf8Prefix("a\xe2\x82\xac", 3), "a");
  EXPECT_EQ(Utf8Prefix("a\xf0\x9f\x98\x80", 4), "a");
  EXPECT_EQ(Utf8Prefix("\xf0\x9f\x98\x80", 3), "");
}

TEST(Utf8Prefix, TextThatIsNotUtf8IsCutWhereAsked) {
  EXPECT_EQ(Utf8Prefix("a\x80\x80\x80\x80\x80", 5), "a\x80\x80\x80\x80");
}

}  // namespace
}  // namespace limitsd::protocol
