#include "storage/storage_registry.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "storage/configuration_error.h"
#include "storage/storage_error.h"

namespace limitsd::storage {
namespace {

// A small asynchronous fixed-window-only storage used to exercise the registry.
class CoreTestAsyncStorage : public Storage {
 public:
  static constexpr std::string_view kSchemes[] = {"coretest-async", "CoreTest-Async+TLS"};
  explicit CoreTestAsyncStorage(const StorageContext& context) : uri_(context.uri.Redacted()) {}
  Task<Result<std::int64_t>> Incr(std::string_view, Micros, std::int64_t amount) override {
    co_return count_ += amount;
  }
  Task<Result<void>> Decr(std::string_view, std::int64_t amount) override {
    count_ = std::max<std::int64_t>(0, count_ - amount);
    co_return Result<void>();
  }
  Task<Result<std::int64_t>> Get(std::string_view) override { co_return count_; }
  Task<Result<Micros>> GetExpiry(std::string_view) override { co_return Micros{0}; }
  Task<Result<void>> Clear(std::string_view) override {
    count_ = 0;
    co_return Result<void>();
  }
  Task<bool> Check() override { co_return true; }
  std::string Describe() const override { return "coretest " + uri_; }

 private:
  std::string uri_;
  std::int64_t count_ = 0;
};
LIMITSD_REGISTER_STORAGE(CoreTestAsyncStorage);

// The same class registered again under a second name: a duplicate scheme.
class CoreTestDuplicate : public CoreTestAsyncStorage {
 public:
  static constexpr std::string_view kSchemes[] = {"coretest-async"};
  using CoreTestAsyncStorage::CoreTestAsyncStorage;
};

// A synchronous storage registered with the same line: the registry wraps it in a runner.
class CoreTestSyncStorage : public SyncStorage, public SyncMovingWindowSupport {
 public:
  static constexpr std::string_view kSchemes[] = {"coretest-sync"};
  explicit CoreTestSyncStorage(const StorageContext&) {}
  Result<std::int64_t> Incr(std::string_view, Micros, std::int64_t amount) override {
    return count_ += amount;
  }
  Result<void> Decr(std::string_view, std::int64_t) override { return {}; }
  Result<std::int64_t> Get(std::string_view) override { return count_; }
  Result<Micros> GetExpiry(std::string_view) override { return Micros{0}; }
  Result<void> Clear(std::string_view) override { return {}; }
  bool Check() override { return true; }
  std::string Describe() const override { return "coretest-sync"; }
  Result<bool> AcquireEntry(std::string_view, std::int64_t, Micros, std::int64_t) override {
    return true;
  }
  Result<MovingWindowState> GetMovingWindow(std::string_view, std::int64_t, Micros,
                                            std::int64_t) override {
    return MovingWindowState{};
  }

 private:
  std::int64_t count_ = 0;
};
LIMITSD_REGISTER_STORAGE(CoreTestSyncStorage);

class SyncWithWindows : public SyncStorage,
                        public SyncMovingWindowSupport,
                        public SyncSlidingWindowCounterSupport {};
class AsyncWithMultiRate : public Storage, public MultiRateSupport {};

TEST(Capabilities, FollowInheritance) {
  constexpr Capabilities async_fixed = CapabilitiesOf<CoreTestAsyncStorage>();
  EXPECT_FALSE(async_fixed.synchronous);
  EXPECT_FALSE(async_fixed.moving_window);
  EXPECT_FALSE(async_fixed.sliding_window_counter);
  EXPECT_FALSE(async_fixed.multi_rate);
  constexpr Capabilities sync = CapabilitiesOf<SyncWithWindows>();
  EXPECT_TRUE(sync.synchronous);
  EXPECT_TRUE(sync.moving_window);
  EXPECT_TRUE(sync.sliding_window_counter);
  EXPECT_FALSE(sync.multi_rate);
  constexpr Capabilities multi = CapabilitiesOf<AsyncWithMultiRate>();
  EXPECT_TRUE(multi.multi_rate);
  EXPECT_FALSE(multi.moving_window);
}

TEST(Capabilities, SupportsAndDescribe) {
  Capabilities fixed_only;
  EXPECT_TRUE(fixed_only.Supports(StrategyKind::kFixedWindow));
  EXPECT_FALSE(fixed_only.Supports(StrategyKind::kMovingWindow));
  EXPECT_FALSE(fixed_only.Supports(StrategyKind::kSlidingWindowCounter));
  EXPECT_EQ(fixed_only.Describe(), "fixed-window");
  EXPECT_FALSE(fixed_only.Supports(StrategyKind::kGcra));
  Capabilities all{.moving_window = true, .sliding_window_counter = true, .gcra = true};
  EXPECT_TRUE(all.Supports(StrategyKind::kMovingWindow));
  EXPECT_TRUE(all.Supports(StrategyKind::kSlidingWindowCounter));
  EXPECT_TRUE(all.Supports(StrategyKind::kGcra));
  EXPECT_EQ(all.Describe(), "fixed-window, moving-window, sliding-window-counter, gcra");
  Capabilities sliding{.sliding_window_counter = true};
  EXPECT_EQ(sliding.Describe(), "fixed-window, sliding-window-counter");
}

TEST(StorageRegistry, RegisteredSchemesAreFoundLowerCased) {
  StorageRegistry& registry = StorageRegistry::Instance();
  const SchemeInfo* info = registry.Find("CORETEST-ASYNC");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->scheme, "coretest-async");
  EXPECT_EQ(info->type_name, "CoreTestAsyncStorage");
  ASSERT_NE(registry.Find("coretest-async+tls"), nullptr);
  const std::vector<std::string> schemes = registry.Schemes();
  EXPECT_TRUE(std::is_sorted(schemes.begin(), schemes.end()));
  EXPECT_NE(std::find(schemes.begin(), schemes.end(), "coretest-async+tls"), schemes.end());
  EXPECT_EQ(registry.Find("coretest-nothing"), nullptr);
}

TEST(StorageRegistry, CreateBuildsTheStorageForTheScheme) {
  StorageContext context;
  context.uri = ParseStorageUri("CoreTest-Async://user:pw@localhost:9");
  std::unique_ptr<Storage> storage = StorageRegistry::Instance().Create(context);
  ASSERT_NE(storage, nullptr);
  EXPECT_EQ(storage->Describe(), "coretest CoreTest-Async://user:***@localhost:9");
  EXPECT_EQ(storage->AsMovingWindow(), nullptr);
}

TEST(StorageRegistry, SyncStorageIsCreatedBehindARunner) {
  const SchemeInfo* info = StorageRegistry::Instance().Find("coretest-sync");
  ASSERT_NE(info, nullptr);
  EXPECT_TRUE(info->capabilities.synchronous);
  EXPECT_TRUE(info->capabilities.moving_window);
  EXPECT_FALSE(info->capabilities.sliding_window_counter);
  StorageContext context;
  context.uri = ParseStorageUri("coretest-sync://");
  std::unique_ptr<Storage> storage = StorageRegistry::Instance().Create(context);
  ASSERT_NE(storage, nullptr);
  EXPECT_NE(storage->AsMovingWindow(), nullptr);
  EXPECT_EQ(storage->AsSlidingWindowCounter(), nullptr);
  EXPECT_EQ(storage->Describe(), "coretest-sync");
}

TEST(StorageRegistry, UnknownSchemeListsTheKnownOnesWithoutThePassword) {
  StorageRegistry registry;
  registry.Register({.scheme = "b", .type_name = "B"});
  registry.Register({.scheme = "a", .type_name = "A"});
  registry.Register({.scheme = "c", .type_name = "C"});
  StorageContext context;
  context.uri = ParseStorageUri("blah://u:topsecret@h:1");
  try {
    registry.Create(context);
    FAIL() << "created a storage for an unknown scheme";
  } catch (const ConfigurationError& e) {
    EXPECT_STREQ(e.what(),
                 "unknown storage scheme 'blah' in URI 'blah://u:***@h:1'; "
                 "known schemes: a, b, c");
  }
}

TEST(StorageRegistry, DuplicateSchemeIsRecordedNamingBothTypes) {
  StorageRegistry& registry = StorageRegistry::Instance();
  registry.TakeErrors();
  RegisterStorage<CoreTestDuplicate>("CoreTestDuplicate");
  const std::vector<std::string> errors = registry.TakeErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("'coretest-async'"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("CoreTestAsyncStorage"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("CoreTestDuplicate"), std::string::npos) << errors[0];
  EXPECT_EQ(registry.Find("coretest-async")->type_name, "CoreTestAsyncStorage");
  EXPECT_TRUE(registry.TakeErrors().empty());
}

TEST(StorageRegistry, AbiMismatchIsRecordedAndNotRegistered) {
  StorageRegistry registry;
  registry.Register({.scheme = "old", .type_name = "OldStorage",
                     .abi_version = kStorageAbiVersion + 1});
  EXPECT_EQ(registry.Find("old"), nullptr);
  const std::vector<std::string> errors = registry.TakeErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("OldStorage"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("ABI version " + std::to_string(kStorageAbiVersion + 1)),
            std::string::npos)
      << errors[0];
}

TEST(StorageRegistry, FactoryFailureBecomesConfigurationError) {
  StorageRegistry registry;
  registry.Register({.scheme = "broken",
                     .type_name = "Broken",
                     .factory = [](const StorageContext&) -> std::unique_ptr<Storage> {
                       throw std::runtime_error("cannot reach the database");
                     }});
  StorageContext context;
  context.uri = ParseStorageUri("broken://:pw@h:1");
  try {
    registry.Create(context);
    FAIL() << "no error";
  } catch (const ConfigurationError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot reach the database"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("broken://:***@h:1"), std::string::npos);
  }
}

}  // namespace
}  // namespace limitsd::storage
