// The storage conformance suite on the example plugins, basicdb:// and advanceddatabase://,
// loaded with dlopen as the daemon loads `plugins:`. LIMITSD_BASICDB_PLUGIN and
// LIMITSD_ADVANCEDDATABASE_PLUGIN in the environment override the built-in paths (to test
// an out-of-tree build against the installed SDK).
#include "tests/storage/conformance/storage_conformance.h"

#include <cstdlib>

#include "storage/plugin_loader.h"
#include "storage/storage_context.h"

namespace limitsd::storage::conformance {
namespace {

std::string PluginPath(const char* variable, const char* built_in) {
  const char* from_env = std::getenv(variable);
  return from_env != nullptr && *from_env != '\0' ? from_env : built_in;
}

ConformanceTarget PluginTarget(std::string name, std::string scheme, std::string plugin,
                               Capabilities capabilities) {
  ConformanceTarget target;
  target.name = std::move(name);
  target.scheme = scheme;
  target.capabilities = capabilities;
  target.manual_clock = true;
  target.make = [scheme, plugin](const ConformanceEnv& env) {
    LoadPlugin(plugin);  // once per process; later calls return the same schemes
    StorageContext context;
    context.uri = ParseStorageUri(scheme + "://localhost:42");
    context.executors = env.executors;
    if (env.clock) context.clock = env.clock;
    return StorageRegistry::Instance().Create(context);
  };
  return target;
}

INSTANTIATE_TEST_SUITE_P(
    Plugins, StorageConformance,
    ::testing::Values(
        PluginTarget("BasicDb", "basicdb",
                     PluginPath("LIMITSD_BASICDB_PLUGIN", LIMITSD_BASICDB_PLUGIN),
                     Capabilities{.synchronous = true}),
        PluginTarget("AdvancedDatabase", "advanceddatabase",
                     PluginPath("LIMITSD_ADVANCEDDATABASE_PLUGIN", LIMITSD_ADVANCEDDATABASE_PLUGIN),
                     Capabilities{.moving_window = true, .sliding_window_counter = true,
                                  .gcra = true, .synchronous = true})),
    ConformanceTargetName);

}  // namespace
}  // namespace limitsd::storage::conformance
