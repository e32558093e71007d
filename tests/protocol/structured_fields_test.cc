#include "protocol/structured_fields.h"

#include <gtest/gtest.h>

namespace limitsd::protocol {
namespace {

TEST(StructuredList, ItemsWithIntegerParametersJoinedByCommaSpace) {
  StructuredList list;
  list.Item("burst").Param("q", 100).Param("w", 60);
  list.Item("daily").Param("q", 1000).Param("w", 86400);
  EXPECT_EQ(list.str(), "\"burst\";q=100;w=60, \"daily\";q=1000;w=86400");
}

TEST(StructuredList, EmptyUntilAnItem) {
  StructuredList list;
  EXPECT_TRUE(list.empty());
  list.Item("");
  EXPECT_EQ(list.str(), "\"\"");
}

TEST(StructuredList, StringsEscapeQuoteAndBackslash) {
  StructuredList list;
  list.Item("a\"b\\c");
  EXPECT_EQ(list.str(), R"("a\"b\\c")");
}

TEST(StructuredList, BytesAStringCannotHoldBecomeQuestionMarks) {
  StructuredList list;
  list.Item(std::string("t\tab\x7f\xc3\xa9", 7));
  EXPECT_EQ(list.str(), "\"t?ab???\"");
}

TEST(StructuredList, IntegersAreClampedToFifteenDigits) {
  StructuredList list;
  list.Item("x").Param("a", 1'000'000'000'000'000).Param("b", -1'000'000'000'000'000).Param("c", 0);
  EXPECT_EQ(list.str(), "\"x\";a=999999999999999;b=-999999999999999;c=0");
}

TEST(StructuredList, KeysAreLowerCaseTokens) {
  EXPECT_TRUE(StructuredList::IsKey("q"));
  EXPECT_TRUE(StructuredList::IsKey("acme-burst"));
  EXPECT_TRUE(StructuredList::IsKey("*x.y_z9"));
  EXPECT_FALSE(StructuredList::IsKey(""));
  EXPECT_FALSE(StructuredList::IsKey("Q"));
  EXPECT_FALSE(StructuredList::IsKey("9a"));
  EXPECT_FALSE(StructuredList::IsKey("a b"));
}

}  // namespace
}  // namespace limitsd::protocol
