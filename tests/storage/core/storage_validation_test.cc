// Each built-in storage checks its URI and options without connecting (ValidateOptions,
// picked up by LIMITSD_REGISTER_STORAGE), reporting every problem at once and naming the
// option at fault, so that `limitsd --check` refuses what start-up would refuse.
#include "storage/storage_registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/storage_uri.h"

namespace limitsd::storage {
namespace {

std::vector<StorageProblem> Validate(const std::string& uri, StorageOptions options = {}) {
  StorageContext context;
  context.uri = ParseStorageUri(uri);
  context.options = std::move(options);
  return StorageRegistry::Instance().Validate(context);
}

// "option: message" for each problem, to compare in one assertion.
std::string Describe(const std::vector<StorageProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += (p.option.empty() ? "<uri>" : p.option) + ": " + p.message + "\n";
  return out;
}

bool Has(const std::vector<StorageProblem>& problems, const std::string& option,
         const std::string& fragment) {
  for (const auto& p : problems) {
    if (p.option == option && p.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

TEST(StorageValidation, EveryBuiltInSchemeHasAHook) {
  for (const std::string& scheme : StorageRegistry::Instance().Schemes()) {
    if (scheme.starts_with("coretest")) continue;  // this binary's own test storages
    const SchemeInfo* info = StorageRegistry::Instance().Find(scheme);
    ASSERT_NE(info, nullptr);
    EXPECT_TRUE(static_cast<bool>(info->validate)) << scheme;
  }
}

TEST(StorageValidation, GoodConfigurationsHaveNoProblem) {
  EXPECT_EQ(Describe(Validate("memory://", {{"shards", "8"}})), "");
  EXPECT_EQ(Describe(Validate("redis://127.0.0.1:1", {{"key_prefix", "x"}, {"pool_size", "4"}})),
            "");
  EXPECT_EQ(Describe(Validate("redis+sentinel://127.0.0.1:1/mymaster")), "");
  EXPECT_EQ(Describe(Validate("memcached://127.0.0.1:1", {{"key_prefix", "p:"}})), "");
}

TEST(StorageValidation, MemoryReportsEveryOptionAtOnce) {
  const auto problems = Validate("memory://", {{"shards", "0"}, {"keyprefix", "x"}});
  EXPECT_EQ(problems.size(), 2u) << Describe(problems);
  EXPECT_TRUE(Has(problems, "shards", "from 1 to")) << Describe(problems);
  EXPECT_TRUE(Has(problems, "keyprefix", "unknown memory storage option")) << Describe(problems);
}

TEST(StorageValidation, RedisReportsEveryOptionAtOnce) {
  const auto problems = Validate(
      "redis://127.0.0.1:1", {{"keyprefix", "x"}, {"pool_size", "0"}, {"deny_cache", "maybe"}});
  EXPECT_EQ(problems.size(), 3u) << Describe(problems);
  EXPECT_TRUE(Has(problems, "keyprefix", "unknown redis storage option")) << Describe(problems);
  EXPECT_TRUE(Has(problems, "pool_size", "from 1 to 64")) << Describe(problems);
  EXPECT_TRUE(Has(problems, "deny_cache", "true or false")) << Describe(problems);
}

TEST(StorageValidation, ASentinelUriWithoutAServiceIsAProblemOfTheUri) {
  const auto problems = Validate("redis+sentinel://127.0.0.1:1");
  EXPECT_TRUE(Has(problems, "", "service name is missing")) << Describe(problems);
}

TEST(StorageValidation, MemcachedRefusesAUriQueryAndBadOptions) {
  const auto problems =
      Validate("memcached://127.0.0.1:1?timeout=1", {{"cas_retries", "0"}, {"key_prefix", "a b"}});
  EXPECT_TRUE(Has(problems, "", "takes no URI query")) << Describe(problems);
  EXPECT_TRUE(Has(problems, "cas_retries", "from 1 to")) << Describe(problems);
  EXPECT_TRUE(Has(problems, "key_prefix", "printable ASCII")) << Describe(problems);
  EXPECT_EQ(problems.size(), 3u) << Describe(problems);
}

TEST(StorageValidation, UnknownSchemeIsOneProblem) {
  const auto problems = Validate("nosuch://host:1");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("nosuch"), std::string::npos);
}

TEST(StorageValidation, LimitChecksComeFromTheStorage) {
  auto& registry = StorageRegistry::Instance();
  const Micros day{86'400'000'000};
  EXPECT_TRUE(registry.CheckLimit("memcached", StrategyKind::kMovingWindow, 1'000'000'000, day));
  EXPECT_FALSE(registry.CheckLimit("memcached", StrategyKind::kFixedWindow, 1'000'000'000, day));
  EXPECT_FALSE(registry.CheckLimit("memory", StrategyKind::kMovingWindow, 1'000'000'000, day));
}

}  // namespace
}  // namespace limitsd::storage
