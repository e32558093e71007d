#include "storage/plugin_loader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "storage/configuration_error.h"
#include "storage/storage_error.h"
#include "storage/storage_registry.h"
#include "tests/storage/conformance/run_task.h"
#include "tests/support/test_support.h"

namespace limitsd::storage {
namespace {

using conformance::RunTask;

// The message of the ConfigurationError that loading `path` throws ("" if none).
std::string LoadError(const std::filesystem::path& path) {
  try {
    LoadPlugin(path);
  } catch (const ConfigurationError& e) {
    return e.what();
  }
  return "";
}

std::unique_ptr<Storage> Create(std::string_view uri) {
  StorageContext context;
  context.uri = ParseStorageUri(uri);
  return StorageRegistry::Instance().Create(context);
}

TEST(LoadPlugin, RegistersTheExampleSchemes) {
  EXPECT_EQ(LoadPlugin(LIMITSD_BASICDB_PLUGIN), std::vector<std::string>{"basicdb"});
  EXPECT_EQ(LoadPlugin(LIMITSD_ADVANCEDDATABASE_PLUGIN),
            std::vector<std::string>{"advanceddatabase"});
  const SchemeInfo* basic = StorageRegistry::Instance().Find("basicdb");
  ASSERT_NE(basic, nullptr);
  EXPECT_EQ(basic->type_name, "limitsd::examples::BasicDbStorage");
  EXPECT_EQ(basic->capabilities.Describe(), "fixed-window");
  EXPECT_TRUE(basic->capabilities.synchronous);
  const SchemeInfo* advanced = StorageRegistry::Instance().Find("advanceddatabase");
  ASSERT_NE(advanced, nullptr);
  EXPECT_EQ(advanced->capabilities.Describe(),
            "fixed-window, moving-window, sliding-window-counter, gcra");
  EXPECT_TRUE(StorageRegistry::Instance().TakeErrors().empty());
}

TEST(LoadPlugin, LoadingTheSameFileAgainGivesTheSameSchemes) {
  EXPECT_EQ(LoadPlugin(LIMITSD_BASICDB_PLUGIN), std::vector<std::string>{"basicdb"});
  EXPECT_EQ(LoadPlugin(LIMITSD_BASICDB_PLUGIN), std::vector<std::string>{"basicdb"});
}

TEST(LoadPlugin, MissingFileIsAnErrorNamingIt) {
  const std::string error = LoadError("/nonexistent/dir/libmissing_plugin.so");
  EXPECT_NE(error.find("'/nonexistent/dir/libmissing_plugin.so'"), std::string::npos) << error;
  EXPECT_NE(error.find("no such file"), std::string::npos) << error;
}

TEST(LoadPlugin, FileThatIsNotALibraryIsAnErrorNamingIt) {
  limitsd::testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "libnotaplugin.so";
  std::ofstream(path) << "this is not an ELF file\n";
  const std::string error = LoadError(path);
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_NE(error.find("cannot be loaded"), std::string::npos) << error;
}

TEST(LoadPlugin, LibraryThatRegistersNothingIsAnError) {
  const std::string error = LoadError(LIMITSD_TEST_EMPTY_PLUGIN);
  EXPECT_NE(error.find(LIMITSD_TEST_EMPTY_PLUGIN), std::string::npos) << error;
  EXPECT_NE(error.find("registers no storage scheme"), std::string::npos) << error;
}

TEST(LoadPlugin, AbiMismatchIsAnErrorNamingTheFileAndVersions) {
  const std::string error = LoadError(LIMITSD_TEST_ABI_MISMATCH_PLUGIN);
  EXPECT_NE(error.find(LIMITSD_TEST_ABI_MISMATCH_PLUGIN), std::string::npos) << error;
  EXPECT_NE(error.find("OldAbiStorage"), std::string::npos) << error;
  EXPECT_NE(error.find("ABI version " + std::to_string(kStorageAbiVersion + 1)),
            std::string::npos)
      << error;
  EXPECT_EQ(StorageRegistry::Instance().Find("oldabi"), nullptr);
}

TEST(LoadPlugin, SchemeRegisteredTwiceIsAnErrorNamingTheFile) {
  const std::string error = LoadError(LIMITSD_TEST_DUPLICATE_SCHEME_PLUGIN);
  EXPECT_NE(error.find(LIMITSD_TEST_DUPLICATE_SCHEME_PLUGIN), std::string::npos) << error;
  EXPECT_NE(error.find("'memory' is registered twice"), std::string::npos) << error;
  EXPECT_NE(error.find("ImpostorMemoryStorage"), std::string::npos) << error;
  // The built-in backend keeps its scheme.
  EXPECT_NE(StorageRegistry::Instance().Find("memory")->type_name, "ImpostorMemoryStorage");
}

TEST(LoadPlugin, ThrowingPluginCallsBecomeErrorValues) {
  EXPECT_EQ(LoadPlugin(LIMITSD_TEST_THROWING_PLUGIN), std::vector<std::string>{"throwing"});
  // The io_context outlives the storage: a runner is destroyed before the executors its
  // callers run on (its pool thread may still hold one just after posting a completion).
  boost::asio::io_context io;
  std::unique_ptr<Storage> storage = Create("throwing://localhost:1");
  RunTask(io, [&]() -> Task<bool> {
    const Result<std::int64_t> thrown = co_await storage->Incr("k", Micros{1'000'000}, 1);
    EXPECT_EQ(thrown.error(), make_error_code(StorageErrc::kInternal));
    const Result<void> thrown_int = co_await storage->Decr("k", 1);
    EXPECT_EQ(thrown_int.error(), make_error_code(StorageErrc::kInternal));
    const Result<std::int64_t> failed = co_await storage->Get("k");
    EXPECT_EQ(failed.error(), make_error_code(StorageErrc::kUnavailable));
    // The storage keeps serving after the failures.
    EXPECT_TRUE(co_await storage->Check());
    co_return true;
  }());
}

}  // namespace
}  // namespace limitsd::storage
