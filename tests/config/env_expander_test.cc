#include "config/env_expander.h"

#include <map>

#include <gtest/gtest.h>

namespace limitsd::config {
namespace {

EnvExpander FakeEnvironment() {
  static const std::map<std::string, std::string> kVariables = {
      {"PASSWORD", "s3cret"}, {"HOST", "redis.local"}, {"EMPTY", ""}, {"_X1", "x"}};
  return EnvExpander([](const std::string& name) -> std::optional<std::string> {
    auto it = kVariables.find(name);
    if (it == kVariables.end()) return std::nullopt;
    return it->second;
  });
}

TEST(EnvExpanderTest, ExpandsValues) {
  struct Case {
    std::string_view text, expanded;
  };
  const Case cases[] = {
      {"plain", "plain"},
      {"", ""},
      {"${PASSWORD}", "s3cret"},
      {"redis://:${PASSWORD}@${HOST}:6379", "redis://:s3cret@redis.local:6379"},
      {"${_X1}${_X1}", "xx"},
      {"${EMPTY}", ""},
      {"${MISSING:-fallback}", "fallback"},
      {"${EMPTY:-fallback}", "fallback"},
      {"${HOST:-fallback}", "redis.local"},
      {"${MISSING:-}", ""},
      {"$${PASSWORD}", "${PASSWORD}"},
      {"cost $5", "cost $5"},
      {"$$", "$$"},
      {"ends with $", "ends with $"},
      {"$${", "${"},
  };
  const EnvExpander env = FakeEnvironment();
  for (const Case& c : cases) {
    const EnvExpander::Result result = env.Expand(c.text);
    ASSERT_TRUE(result.value) << c.text << ": " << result.error;
    EXPECT_EQ(*result.value, c.expanded) << c.text;
  }
}

TEST(EnvExpanderTest, UnsetVariableIsAnErrorNamingIt) {
  const EnvExpander::Result result = FakeEnvironment().Expand("redis://:${REDIS_PASSWORD}@h");
  ASSERT_FALSE(result.value);
  EXPECT_NE(result.error.find("REDIS_PASSWORD is not set"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("$${REDIS_PASSWORD}"), std::string::npos) << result.error;
}

TEST(EnvExpanderTest, MalformedReferences) {
  const EnvExpander env = FakeEnvironment();
  for (std::string_view text : {"${HOST", "${}", "${1ABC}", "${A-B}", "x${ HOST}"}) {
    const EnvExpander::Result result = env.Expand(text);
    EXPECT_FALSE(result.value) << text;
    EXPECT_FALSE(result.error.empty()) << text;
  }
  EXPECT_NE(env.Expand("${HOST").error.find("unterminated"), std::string::npos);
  EXPECT_NE(env.Expand("${1ABC}").error.find("bad environment variable name"), std::string::npos);
}

TEST(EnvExpanderTest, ReadsTheProcessEnvironmentByDefault) {
  ASSERT_EQ(setenv("LIMITSD_CONFIG_TEST_VAR", "from-env", 1), 0);
  const EnvExpander::Result result = EnvExpander().Expand("<${LIMITSD_CONFIG_TEST_VAR}>");
  unsetenv("LIMITSD_CONFIG_TEST_VAR");
  ASSERT_TRUE(result.value) << result.error;
  EXPECT_EQ(*result.value, "<from-env>");
  EXPECT_FALSE(EnvExpander().Expand("${LIMITSD_CONFIG_TEST_VAR}").value);
}

TEST(EnvExpanderTest, MayExpand) {
  EXPECT_TRUE(EnvExpander::MayExpand("a${B}"));
  EXPECT_TRUE(EnvExpander::MayExpand("$${B}"));
  EXPECT_FALSE(EnvExpander::MayExpand("a$B"));
}

}  // namespace
}  // namespace limitsd::config
