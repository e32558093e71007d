#include "server/password.h"

#include <string>

#include <gtest/gtest.h>

namespace limitsd::server {
namespace {

TEST(Password, MatchesOnlyTheExactSecret) {
  const Password password("s3cret");
  EXPECT_TRUE(password.Matches("s3cret"));
  EXPECT_FALSE(password.Matches("s3cre"));
  EXPECT_FALSE(password.Matches("s3cret "));
  EXPECT_FALSE(password.Matches("S3cret"));
  EXPECT_FALSE(password.Matches(""));
  EXPECT_FALSE(password.Matches(std::string("s3cret\0", 7)));
}

TEST(Password, AnyBytesAndLengthsWork) {
  const std::string long_secret(10000, 'x');
  const Password password(long_secret);
  EXPECT_TRUE(password.Matches(long_secret));
  EXPECT_FALSE(password.Matches(long_secret.substr(1)));
  const Password spaced("with spaces and \xC3\xA9");
  EXPECT_TRUE(spaced.Matches("with spaces and \xC3\xA9"));
}

TEST(Password, BearerTokens) {
  EXPECT_EQ(Password::BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(Password::BearerToken("bearer   abc  "), "abc");
  EXPECT_EQ(Password::BearerToken("BEARER\tabc"), "abc");
  EXPECT_EQ(Password::BearerToken("Bearer a b"), "a b");
  EXPECT_EQ(Password::BearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(Password::BearerToken("Bearer   "), std::nullopt);
  EXPECT_EQ(Password::BearerToken("Bearerabc"), std::nullopt);
  EXPECT_EQ(Password::BearerToken("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), std::nullopt);
  EXPECT_EQ(Password::BearerToken(""), std::nullopt);
}

}  // namespace
}  // namespace limitsd::server
