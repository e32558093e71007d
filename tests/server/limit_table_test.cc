#include "server/limit_table.h"

#include <gtest/gtest.h>

#include "server/config_validator.h"
#include "tests/server/server_fixture.h"

namespace limitsd::server {
namespace {

using limits::StrategyKind;
using protocol::ErrorCode;

LimitTable TableOf(const std::string& yaml, bool supports_moving = true) {
  auto generation = testing::MakeGeneration(yaml);
  return LimitTable(generation->limits, generation->default_strategy, generation->allow_inline,
                    [supports_moving](StrategyKind kind) {
                      return supports_moving || kind != StrategyKind::kMovingWindow;
                    });
}

TEST(LimitTable, ANameResolvesToItsConfiguredLimit) {
  LimitTable table = TableOf("limits: { api: { rate: \"5/minute;100/hour\" } }\n");
  const Resolution r = table.Resolve("api");
  ASSERT_NE(r.limit, nullptr) << r.message;
  EXPECT_EQ(r.limit->name(), "api");
  EXPECT_EQ(r.limit->rates().size(), 2u);
  EXPECT_EQ(table.Resolve("api").limit, r.limit);  // the same shared limit every time
}

TEST(LimitTable, AnUnknownNameIsUnknownLimit) {
  LimitTable table = TableOf("limits: { api: \"5/minute\" }\n");
  const Resolution r = table.Resolve("apj");
  EXPECT_EQ(r.limit, nullptr);
  EXPECT_EQ(r.error, ErrorCode::kUnknownLimit);
  EXPECT_NE(r.message.find("'apj'"), std::string::npos) << r.message;
}

TEST(LimitTable, InlineLimitsParseWithTheDefaultStrategyAndAreCached) {
  LimitTable table = TableOf("strategy: sliding-window-counter\n");
  const Resolution r = table.Resolve("10/second");
  ASSERT_NE(r.limit, nullptr) << r.message;
  EXPECT_EQ(r.limit->strategy(), StrategyKind::kSlidingWindowCounter);
  EXPECT_EQ(table.Resolve("10/second").limit, r.limit);
  const Resolution moving = table.Resolve("moving-window:5/10seconds");
  ASSERT_NE(moving.limit, nullptr) << moving.message;
  EXPECT_EQ(moving.limit->strategy(), StrategyKind::kMovingWindow);
}

// Find, for a prefetch: what Resolve would give, without parsing anything new.
TEST(LimitTable, FindGivesConfiguredAndAlreadyParsedLimitsOnly) {
  LimitTable table = TableOf("limits: { api: \"5/minute\" }\n");
  EXPECT_EQ(table.Find("api"), table.Resolve("api").limit);
  EXPECT_EQ(table.Find("apj"), nullptr);
  EXPECT_EQ(table.Find("10/second"), nullptr);  // not parsed yet: Find does not parse
  const Resolution parsed = table.Resolve("10/second");
  ASSERT_NE(parsed.limit, nullptr) << parsed.message;
  EXPECT_EQ(table.Find("10/second"), parsed.limit);
  LimitTable closed = TableOf("allow_inline_limits: false\n");
  EXPECT_EQ(closed.Find("10/second"), nullptr);
}

TEST(LimitTable, ABadInlineRateIsBadRate) {
  LimitTable table = TableOf("");
  const Resolution r = table.Resolve("10/parsec");
  EXPECT_EQ(r.limit, nullptr);
  EXPECT_EQ(r.error, ErrorCode::kBadRate);
  EXPECT_FALSE(r.message.empty());
}

TEST(LimitTable, AStrategyTheStorageLacksIsUnsupported) {
  LimitTable table = TableOf("", /*supports_moving=*/false);
  EXPECT_EQ(table.Resolve("moving-window:5/minute").error, ErrorCode::kUnsupported);
  EXPECT_NE(table.Resolve("5/minute").limit, nullptr);
}

TEST(LimitTable, InlineLimitsCanBeTurnedOff) {
  LimitTable table = TableOf("allow_inline_limits: false\nlimits: { api: \"1/second\" }\n");
  const Resolution r = table.Resolve("10/second");
  EXPECT_EQ(r.limit, nullptr);
  EXPECT_EQ(r.error, ErrorCode::kUnknownLimit);
  EXPECT_NE(table.Resolve("api").limit, nullptr);
}

TEST(LimitTable, ReplaceSwapsTheLimitsAndForgetsParsedInlineLimits) {
  LimitTable table = TableOf("limits: { api: \"1/second\", old: \"2/second\" }\n");
  ASSERT_NE(table.Resolve("api").limit, nullptr);  // the last token resolved, remembered
  // A copy of the table's own pointer keeps the limit, so that its address is not reused.
  const std::shared_ptr<const limits::Limit> inline_before = *table.Resolve("10/second").shared;
  auto next = testing::MakeGeneration("strategy: moving-window\nallow_inline_limits: true\n"
                                      "limits: { api: \"3/second\" }\n");
  table.Replace(next->limits, next->default_strategy, next->allow_inline,
                [](StrategyKind) { return true; });
  const Resolution api = table.Resolve("api");
  ASSERT_NE(api.limit, nullptr);
  EXPECT_EQ(api.limit->rates().front().amount(), 3);
  EXPECT_EQ(table.Find("api"), api.limit);
  EXPECT_EQ(table.Resolve("old").error, ErrorCode::kUnknownLimit);
  const limits::Limit* inline_after = table.Resolve("10/second").limit;
  ASSERT_NE(inline_after, nullptr);
  EXPECT_NE(inline_after, inline_before.get());
  EXPECT_EQ(inline_after->strategy(), StrategyKind::kMovingWindow);  // the new default
}

// The table remembers the last token it resolved; every change of the table forgets it.
TEST(LimitTable, TheLastTokenResolvedFollowsEveryChangeOfTheTable) {
  LimitTable table = TableOf("limits: { api: \"1/second\" }\n");
  const Resolution first = table.Resolve("10/second");
  ASSERT_NE(first.limit, nullptr);
  EXPECT_EQ(table.Resolve("10/second").shared, first.shared);
  EXPECT_EQ(table.Find("10/second"), first.limit);
  // New inline limits grow the cache (its entries move) and then clear it: each token still
  // resolves to its own limit, and Find agrees with Resolve.
  for (int amount = 1; amount <= 5000; ++amount) {
    const std::string token = std::to_string(amount) + "/minute";
    const Resolution r = table.Resolve(token);
    ASSERT_NE(r.limit, nullptr) << token;
    ASSERT_EQ(r.limit->rates().front().amount(), amount) << token;
    ASSERT_EQ(table.Find(token), r.limit) << token;
    if (amount % 97 == 0) {
      const Resolution again = table.Resolve("10/second");
      ASSERT_NE(again.limit, nullptr);
      ASSERT_EQ(again.limit->rates().front().amount(), 10);
      ASSERT_EQ(table.Find("10/second"), again.limit);
    }
  }
  // A reload that turns inline limits off refuses the token resolved last.
  ASSERT_NE(table.Resolve("10/second").limit, nullptr);
  auto closed = testing::MakeGeneration("allow_inline_limits: false\n");
  table.Replace(closed->limits, closed->default_strategy, closed->allow_inline,
                [](StrategyKind) { return true; });
  EXPECT_EQ(table.Resolve("10/second").error, ErrorCode::kUnknownLimit);
  EXPECT_EQ(table.Find("10/second"), nullptr);
  EXPECT_EQ(table.Resolve("api").error, ErrorCode::kUnknownLimit);
}

TEST(LimitTable, AnInlineWindowLongerThanMaxInlineWindowIsBadRate) {
  LimitTable table = TableOf("");  // the default bound: one day
  EXPECT_NE(table.Resolve("5/day").limit, nullptr);
  EXPECT_NE(table.Resolve("5/24hours").limit, nullptr);
  for (const char* token : {"1/10years", "5/2days", "gcra:1/month", "10/second;1/25hours"}) {
    const Resolution r = table.Resolve(token);
    EXPECT_EQ(r.limit, nullptr) << token;
    EXPECT_EQ(r.error, ErrorCode::kBadRate) << token;
    EXPECT_NE(r.message.find("max_inline_window (1 day, 86400 s)"), std::string::npos)
        << r.message;
    EXPECT_NE(r.message.find(token), std::string::npos) << r.message;
  }
  // Configured limits are not inline: any window up to ten years.
  LimitTable named = TableOf("limits: { yearly: \"1/10years\" }\n");
  EXPECT_NE(named.Resolve("yearly").limit, nullptr);
}

TEST(LimitTable, MaxInlineWindowIsConfiguredAndForgetsWhatItNoLongerAllows) {
  auto generation = testing::MakeGeneration("max_inline_window: 10 years\n");
  EXPECT_EQ(generation->max_inline_window_seconds, 311040000);
  LimitTable table = TableOf("");
  table.SetMaxInlineWindow(generation->max_inline_window_seconds, generation->max_inline_window);
  ASSERT_NE(table.Resolve("1/10years").limit, nullptr);
  table.SetMaxInlineWindow(3600, "1 hour");
  const Resolution r = table.Resolve("1/10years");  // cached before: parsed again, refused
  EXPECT_EQ(r.error, ErrorCode::kBadRate);
  EXPECT_NE(r.message.find("max_inline_window (1 hour, 3600 s)"), std::string::npos)
      << r.message;
  EXPECT_NE(table.Resolve("1/hour").limit, nullptr);
}

TEST(LimitTable, AMaxInlineWindowThatIsNotAWindowIsAConfigurationError) {
  config::Config config;
  config.max_inline_window = "forever";
  config.max_inline_window_line = 3;
  config.max_inline_window_column = 20;
  config::Diagnostics errors;
  EXPECT_FALSE(ConfigValidator::Validate(config, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_NE(errors[0].message.find("max_inline_window: 'forever' is not a window"),
            std::string::npos)
      << errors[0].message;
}

}  // namespace
}  // namespace limitsd::server
