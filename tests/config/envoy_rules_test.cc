// envoyproxy/ratelimit configuration files: what loads, what is refused (with its place),
// and which rule a descriptor finds.
#include "config/envoy_rules.h"

#include <gtest/gtest.h>

#include <fstream>

#include "config/envoy_rules_loader.h"
#include "tests/support/test_support.h"

namespace limitsd::config {
namespace {

EnvoyRulesLoader::Result Load(std::string_view yaml) {
  return EnvoyRulesLoader().LoadString(yaml, "rl.yaml");
}

std::shared_ptr<const EnvoyRules> LoadOk(std::string_view yaml) {
  EnvoyRulesLoader::Result result = Load(yaml);
  EXPECT_TRUE(result.errors.empty()) << FormatDiagnostics(result.errors);
  return result.rules;
}

TEST(WildcardMatch, StarMatchesAnyRunAnywhere) {
  struct Case {
    std::string_view pattern, text;
    bool match;
  };
  const Case cases[] = {
      {"client_*", "client_", true},
      {"client_*", "client_abc", true},
      {"client_*", "clien", false},
      {"*_admin", "root_admin", true},
      {"*_admin", "root_admins", false},
      {"/api/*/items*", "/api/v1/items", true},
      {"/api/*/items*", "/api/v1/items/7", true},
      {"/api/*/items*", "/api/v1/thing", false},
      {"a*b*c", "abc", true},
      {"a*b*c", "aXbYbZc", true},
      {"a*b*c", "acb", false},
      {"*", "", true},
      {"**", "x", true},
      {"exact", "exact", true},
      {"exact", "exactly", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(WildcardMatch(c.pattern, c.text), c.match) << c.pattern << " ~ " << c.text;
  }
}

constexpr std::string_view kRules = R"(
domain: d
descriptors:
  - key: k
    rate_limit: { unit: minute, requests_per_unit: 1 }
  - key: k
    value: "v*"
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: k
    value: "*"
    rate_limit: { unit: minute, requests_per_unit: 3 }
  - key: k
    value: vip
    rate_limit: { unit: minute, requests_per_unit: 4 }
  - key: parent
    descriptors:
      - key: child
        rate_limit: { unit: hour, requests_per_unit: 5 }
  - key: deep
    value: x
    rate_limit: { unit: hour, requests_per_unit: 6 }
    descriptors:
      - key: y
        value: z
        rate_limit: { unit: hour, requests_per_unit: 7 }
)";

std::uint32_t LimitOf(const EnvoyRules& rules, std::vector<EnvoyEntry> entries) {
  const EnvoyMatch match = rules.Match(*rules.FindDomain("d"), entries);
  return match.rule == nullptr ? 0 : match.rule->rate_limit->requests_per_unit;
}

TEST(EnvoyRules, ExactThenWildcardsInOrderThenKeyOnly) {
  auto rules = LoadOk(kRules);
  ASSERT_TRUE(rules);
  EXPECT_EQ(LimitOf(*rules, {{"k", "vip"}}), 4u);    // exact beats an earlier wildcard
  EXPECT_EQ(LimitOf(*rules, {{"k", "value"}}), 2u);  // the first wildcard written
  EXPECT_EQ(LimitOf(*rules, {{"k", "other"}}), 3u);  // the next one
  EXPECT_EQ(LimitOf(*rules, {{"nokey", "x"}}), 0u);
  EXPECT_EQ(rules->FindDomain("other"), nullptr);
}

TEST(EnvoyRules, ARuleAppliesAtTheDepthItIsDeclared) {
  auto rules = LoadOk(kRules);
  ASSERT_TRUE(rules);
  EXPECT_EQ(LimitOf(*rules, {{"parent", "p"}}), 0u);
  EXPECT_EQ(LimitOf(*rules, {{"parent", "p"}, {"child", "c"}}), 5u);
  EXPECT_EQ(LimitOf(*rules, {{"parent", "p"}, {"child", "c"}, {"more", "m"}}), 0u);
  EXPECT_EQ(LimitOf(*rules, {{"deep", "x"}}), 6u);
  EXPECT_EQ(LimitOf(*rules, {{"deep", "x"}, {"y", "z"}}), 7u);
  EXPECT_EQ(LimitOf(*rules, {{"deep", "x"}, {"y", "other"}}), 0u);
  // The walk records the rule matched at each depth.
  const EnvoyMatch match =
      rules->Match(*rules->FindDomain("d"), std::vector<EnvoyEntry>{{"deep", "x"}, {"y", "z"}});
  ASSERT_EQ(match.walk.size(), 2u);
  EXPECT_EQ(match.walk[0]->path, "d.deep_x");
  EXPECT_EQ(match.walk[1]->path, "d.deep_x.y_z");
}

TEST(EnvoyRules, ReadsEveryKeyItImplements) {
  auto rules = LoadOk(R"(
domain: all
descriptors:
  - key: a
    value: "p*"
    shadow_mode: true
    quota_mode: true
    detailed_metric: true
    share_threshold: true
    rate_limit:
      name: named
      unit: WEEK
      requests_per_unit: 7
      replaces: [ { name: other } ]
  - key: b
    rate_limit: { unlimited: true }
  - key: c
    rate_limit: { rate: "5 per 10 minutes;100/day", strategy: moving-window }
)");
  ASSERT_TRUE(rules);
  ASSERT_EQ(rules->rules().size(), 3u);
  const EnvoyRule& a = *rules->rules()[0];
  EXPECT_TRUE(a.shadow_mode && a.quota_mode && a.detailed_metric && a.share_threshold);
  EXPECT_TRUE(a.wildcard);
  EXPECT_EQ(a.rate_limit->unit, "week");
  EXPECT_EQ(a.rate_limit->name, "named");
  EXPECT_EQ(a.rate_limit->replaces, std::vector<std::string>{"other"});
  EXPECT_TRUE(rules->rules()[1]->rate_limit->unlimited);
  EXPECT_EQ(rules->rules()[2]->rate_limit->rate, "5 per 10 minutes;100/day");
  EXPECT_EQ(rules->rules()[2]->rate_limit->strategy, "moving-window");
}

struct ErrorCase {
  std::string_view yaml;
  std::string_view where;
  std::string_view message;
};
void PrintTo(const ErrorCase& c, std::ostream* out) { *out << "at_" << c.where; }

class EnvoyRulesErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(EnvoyRulesErrorTest, ReportsOneErrorWithItsPlace) {
  const ErrorCase& c = GetParam();
  EnvoyRulesLoader::Result result = Load(c.yaml);
  EXPECT_FALSE(result.rules);
  ASSERT_EQ(result.errors.size(), 1u) << FormatDiagnostics(result.errors);
  const std::string text = result.errors[0].ToString();
  EXPECT_EQ(text.find("rl.yaml:" + std::string(c.where) + ": "), 0u) << text;
  EXPECT_NE(text.find(c.message), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Refused, EnvoyRulesErrorTest,
    ::testing::Values(
        ErrorCase{"descriptors: []\n", "1:1", "no \"domain\""},
        ErrorCase{"domain: \"\"\n", "1:9", "\"domain\" must not be empty"},
        ErrorCase{"domain: d\ndescriptors:\n  - value: v\n", "3:5", "empty or missing \"key\""},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n  - key: a\n", "4:5",
                  "duplicate descriptor composite key \"a\" (also at rl.yaml:3:5)"},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n    rate_limit: { unit: fortnight, "
                  "requests_per_unit: 1 }\n",
                  "4:25", "invalid rate limit unit \"fortnight\""},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n    rate_limit: { requests_per_unit: 1 }\n",
                  "4:17", "invalid rate limit unit \"\""},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n    rate_limit: { unlimited: true, unit: "
                  "second }\n",
                  "4:42", "\"unit\" must not be set beside \"unlimited: true\""},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n    rate_limit: { name: n, unit: second, "
                  "requests_per_unit: 1, replaces: [ { name: n } ] }\n",
                  "4:17", "replaces its own name \"n\""},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n    value: plain\n    share_threshold: "
                  "true\n",
                  "5:5", "\"share_threshold\" on \"a_plain\" needs a wildcard value"},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n    rate_limit: { rate: 5/second, unit: "
                  "second }\n",
                  "4:25", "\"rate\" replaces \"unit\" and \"requests_per_unit\""},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n    value_to_metric: true\n", "4:5",
                  "\"value_to_metric\" is not implemented by limitsd"},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n    shadow: true\n", "4:5",
                  "unknown key \"shadow\" in \"descriptor\": did you mean \"shadow_mode\"?"},
        ErrorCase{"domain: d\ndescriptors:\n  - key: a\n    rate_limit: { unit: second, "
                  "requests_per_unit: -1 }\n",
                  "4:52", "requests_per_unit"}));

TEST(EnvoyRulesLoader, ReadsADirectoryInNameOrderAndRefusesADuplicateDomain) {
  limitsd::testing::TempDir dir;
  std::ofstream(dir.path() / "a.yaml") << "domain: one\n";
  std::ofstream(dir.path() / "b.yml") << "domain: two\n";
  std::ofstream(dir.path() / "notes.txt") << "not read\n";
  EnvoyConfig envoy{{dir.path().string()}, {{3, 11}}};
  EnvoyRulesLoader::Result ok = EnvoyRulesLoader().Load(envoy, "limitsd.yaml");
  ASSERT_TRUE(ok.rules) << FormatDiagnostics(ok.errors);
  ASSERT_EQ(ok.rules->domains().size(), 2u);
  EXPECT_EQ(ok.rules->domains()[0].name, "one");
  EXPECT_EQ(ok.rules->domains()[1].name, "two");

  std::ofstream(dir.path() / "c.yaml") << "\ndomain: one\n";
  EnvoyRulesLoader::Result dup = EnvoyRulesLoader().Load(envoy, "limitsd.yaml");
  ASSERT_EQ(dup.errors.size(), 1u) << FormatDiagnostics(dup.errors);
  EXPECT_EQ(dup.errors[0].ToString(),
            (dir.path() / "c.yaml").string() + ":2:1: duplicate domain \"one\" (also in " +
                (dir.path() / "a.yaml").string() + ":1:1): one file per domain");

  EnvoyConfig missing{{(dir.path() / "nope").string()}, {{3, 11}}};
  EnvoyRulesLoader::Result none = EnvoyRulesLoader().Load(missing, "limitsd.yaml");
  ASSERT_EQ(none.errors.size(), 1u);
  EXPECT_EQ(none.errors[0].ToString().rfind("limitsd.yaml:3:11: envoy.config: ", 0), 0u);
}

}  // namespace
}  // namespace limitsd::config
