#include "limits/rate_parser.h"

#include <gtest/gtest.h>

#include "limits/limit.h"

namespace limitsd::limits {
namespace {

struct Accepted {
  std::string text;
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> rates;  // amount, multiples, E
};

class ParseAccepted : public ::testing::TestWithParam<Accepted> {};

TEST_P(ParseAccepted, GivesTheRates) {
  const RateParseResult r = ParseRates(GetParam().text);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.items.size(), GetParam().rates.size());
  for (std::size_t i = 0; i < r.items.size(); ++i) {
    const auto [amount, multiples, expiry] = GetParam().rates[i];
    EXPECT_EQ(r.items[i].amount(), amount) << i;
    EXPECT_EQ(r.items[i].multiples(), multiples) << i;
    EXPECT_EQ(r.items[i].ExpirySeconds(), expiry) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    LimitsGrammar, ParseAccepted,
    ::testing::Values(
        Accepted{"10/second", {{10, 1, 1}}}, Accepted{"10 per minute", {{10, 1, 60}}},
        Accepted{"10 / Second", {{10, 1, 1}}}, Accepted{"1 PER SECOND", {{1, 1, 1}}},
        Accepted{"1\tper\tsecond", {{1, 1, 1}}}, Accepted{"10per second", {{10, 1, 1}}},
        Accepted{"10 persecond", {{10, 1, 1}}}, Accepted{"5/10 seconds", {{5, 10, 10}}},
        Accepted{"1 per2 seconds", {{1, 2, 2}}}, Accepted{"10/ 3second", {{10, 3, 3}}},
        Accepted{"1/SECONDS", {{1, 1, 1}}}, Accepted{"010/second", {{10, 1, 1}}},
        Accepted{"1 per 3 hour", {{1, 3, 10800}}},
        Accepted{"1 per 2 hours", {{1, 2, 7200}}}, Accepted{"1/2 day", {{1, 2, 172800}}},
        Accepted{"1/month", {{1, 1, 2592000}}}, Accepted{"1/year", {{1, 1, 31104000}}},
        Accepted{"1 per 3 hour; 1 per second", {{1, 3, 10800}, {1, 1, 1}}},
        Accepted{"1 per 3 hour, 1 per second", {{1, 3, 10800}, {1, 1, 1}}},
        Accepted{"1/hour;2/day,3/month|4/year",
                 {{1, 1, 3600}, {2, 1, 86400}, {3, 1, 2592000}, {4, 1, 31104000}}},
        Accepted{"10/day:;5/hour", {{10, 1, 86400}, {5, 1, 3600}}},
        Accepted{"10/day:,5/hour", {{10, 1, 86400}, {5, 1, 3600}}},
        Accepted{"1000000000/second", {{1000000000, 1, 1}}},
        Accepted{"1/10 years", {{1, 10, 311040000}}}));

struct Rejected {
  std::string text;
  std::string message_part;
};

class ParseRejected : public ::testing::TestWithParam<Rejected> {};

TEST_P(ParseRejected, ExplainsWhy) {
  const RateParseResult r = ParseRates(GetParam().text);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.items.empty());
  EXPECT_NE(r.error.find(GetParam().message_part), std::string::npos) << r.error;
}

INSTANTIATE_TEST_SUITE_P(
    LimitsGrammar, ParseRejected,
    ::testing::Values(
        Rejected{"", "couldn't parse"}, Rejected{"meow", "couldn't parse rate limit string 'meow'"},
        Rejected{"10 per", "couldn't parse"}, Rejected{"5//second", "couldn't parse"},
        Rejected{"1/2/second", "couldn't parse"}, Rejected{"1 /2 /second", "couldn't parse"},
        Rejected{"-1/second", "couldn't parse"}, Rejected{"10/second;", "couldn't parse"},
        Rejected{"1/second;;2/minute", "couldn't parse"},
        Rejected{"10/second 5/minute", "couldn't parse"},
        Rejected{"10/day:5/hour", "couldn't parse"}, Rejected{"10/day::,5/hour", "couldn't parse"},
        Rejected{"1/sec", "no granularity matched for 'sec'"},
        Rejected{"1/s", "no granularity matched for 's'"},
        Rejected{"10/secs", "no granularity matched"},
        Rejected{"1/minutess", "no granularity matched"},
        Rejected{"1 per millenium", "no granularity matched for 'millenium'"},
        Rejected{"1 per yearl; 2 per decade", "no granularity matched"},
        Rejected{"0/second", "out of range"},
        Rejected{"1000000001/second", "out of range"},
        Rejected{"99999999999999999999/second", "out of range"},
        Rejected{"1/11 years", "longer than 10 years"},
        Rejected{"1/99999999999999999999 seconds", "longer than 10 years"}));

TEST(RateLimitItem, PrintsAndComparesLikeLimits) {
  const RateParseResult r = ParseRates("5/10 seconds");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.items[0].ToString(), "5 per 10 second");
  EXPECT_EQ(r.items[0].KeySuffix(), "5/10/second");
  EXPECT_EQ(r.items[0], ParseRates("5 per 10 second").items[0]);
  EXPECT_FALSE(r.items[0] == ParseRates("5/second").items[0]);
}

TEST(InlineLimit, TakesAStrategyPrefix) {
  const auto r = ParseInlineLimit("moving-window:5/10seconds", StrategyKind::kFixedWindow);
  ASSERT_TRUE(r.limit.has_value()) << r.error;
  EXPECT_EQ(r.limit->strategy(), StrategyKind::kMovingWindow);
  EXPECT_EQ(r.limit->rates().size(), 1u);
  const auto d = ParseInlineLimit("100/minute,1000/hour", StrategyKind::kSlidingWindowCounter);
  ASSERT_TRUE(d.limit.has_value());
  EXPECT_EQ(d.limit->strategy(), StrategyKind::kSlidingWindowCounter);
  EXPECT_EQ(d.limit->rates().size(), 2u);
  EXPECT_FALSE(ParseInlineLimit("moving-window:abc", StrategyKind::kFixedWindow).limit);
}

TEST(InlineLimit, AnUnknownStrategyIsNamedWithTheOnesThatExist) {
  const auto r = ParseInlineLimit("bogus:10/second", StrategyKind::kFixedWindow);
  EXPECT_FALSE(r.limit.has_value());
  EXPECT_EQ(r.error,
            "unknown strategy 'bogus' in 'bogus:10/second'; strategies: fixed-window, "
            "moving-window, sliding-window-counter, gcra");
  // A ':' after a rate is limits' separator slip, still two rates.
  const auto two = ParseInlineLimit("10/day:;5/hour", StrategyKind::kFixedWindow);
  ASSERT_TRUE(two.limit.has_value()) << two.error;
  EXPECT_EQ(two.limit->rates().size(), 2u);
}

TEST(RateString, AZeroWindowIsRefused) {
  for (const char* text : {"1/0seconds", "5/0minutes", "5 per 0 hour", "10/second;1/0day"}) {
    const RateParseResult r = ParseRates(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error.find("is zero long"), std::string::npos) << text << ": " << r.error;
  }
  EXPECT_TRUE(ParseRates("5/1minute").ok());
  EXPECT_FALSE(ParseInlineLimit("1/0seconds", StrategyKind::kFixedWindow).limit.has_value());
}

TEST(RateString, AWindowAloneParsesAsARatesWindow) {
  EXPECT_EQ(ParseWindowSeconds("day"), 86400);
  EXPECT_EQ(ParseWindowSeconds("1 day"), 86400);
  EXPECT_EQ(ParseWindowSeconds("12 hours"), 43200);
  EXPECT_EQ(ParseWindowSeconds("30minutes"), 1800);
  EXPECT_EQ(ParseWindowSeconds("10 years"), 311040000);
  for (const char* bad : {"", "0 days", "11 years", "forever", "1 day;2 days", "5/day", "-1 day"}) {
    EXPECT_EQ(ParseWindowSeconds(bad), std::nullopt) << bad;
  }
}

TEST(InlineLimit, RecognisesItsShape) {
  EXPECT_TRUE(LooksInline("10/second"));
  EXPECT_TRUE(LooksInline("sliding-window-counter:1/minute"));
  EXPECT_FALSE(LooksInline("api"));
  EXPECT_TRUE(LooksInline("foo:10/second"));  // never a name: a bad strategy
  EXPECT_TRUE(IsLimitName("api.v2-login_x"));
  EXPECT_FALSE(IsLimitName("2api"));
  EXPECT_FALSE(IsLimitName("a b"));
}

TEST(Limit, StorageKeysShareAHashTagAndNameTheStrategyAndRate) {
  const Limit limit("api", StrategyKind::kSlidingWindowCounter,
                    ParseRates("100/minute;2000/hour").items);
  const auto key = [&](std::size_t i) {
    std::string out(limit.StorageKeySize("user42", i), '?');
    const char* end = limit.WriteStorageKey("user42", i, out.data());
    EXPECT_EQ(end, out.data() + out.size());  // exactly StorageKeySize bytes
    return out;
  };
  EXPECT_EQ(key(0), "{api user42}/sliding-window-counter/100/1/minute");
  EXPECT_EQ(key(1), "{api user42}/sliding-window-counter/2000/1/hour");
  EXPECT_EQ(limit.StorageKeysSize("user42"), key(0).size() + key(1).size());
}

}  // namespace
}  // namespace limitsd::limits
