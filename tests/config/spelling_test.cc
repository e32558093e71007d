#include "config/spelling.h"

#include <array>

#include <gtest/gtest.h>

namespace limitsd::config {
namespace {

TEST(EditDistanceTest, Table) {
  struct Case {
    std::string_view a, b;
    std::size_t distance;
  };
  const Case cases[] = {
      {"", "", 0},           {"abc", "abc", 0},         {"abc", "", 3},
      {"threads", "treads", 1}, {"listen", "lsiten", 1}, {"Listen", "listen", 0},
      {"kitten", "sitting", 3}, {"uri", "url", 1},       {"timeout_ms", "timeout", 3},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(EditDistance(c.a, c.b), c.distance) << c.a << " / " << c.b;
    EXPECT_EQ(EditDistance(c.b, c.a), c.distance) << c.b << " / " << c.a;
  }
}

TEST(ClosestMatchTest, SuggestsOnlyLikelyTypos) {
  constexpr std::array<std::string_view, 4> names = {"listen", "threads", "max_connections",
                                                     "idle_timeout_ms"};
  EXPECT_EQ(ClosestMatch("treads", names), "threads");
  EXPECT_EQ(ClosestMatch("max_conections", names), "max_connections");
  EXPECT_EQ(ClosestMatch("idle_timeout", names), "idle_timeout_ms");
  EXPECT_EQ(ClosestMatch("listen_addresses", names), "listen");  // one begins the other
  EXPECT_EQ(ClosestMatch("port", names), std::nullopt);
  EXPECT_EQ(ClosestMatch("li", names), std::nullopt);
  EXPECT_EQ(ClosestMatch("x", names), std::nullopt);
}

TEST(JoinNamesTest, CommaSeparated) {
  constexpr std::array<std::string_view, 3> names = {"a", "b", "c"};
  EXPECT_EQ(JoinNames(names), "a, b, c");
  EXPECT_EQ(JoinNames(std::span<const std::string_view>()), "");
}

}  // namespace
}  // namespace limitsd::config
