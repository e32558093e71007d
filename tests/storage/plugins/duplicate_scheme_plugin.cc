// A plugin that registers a scheme the daemon already has (memory://).
#include "storage/storage_registry.h"
#include "tests/storage/plugins/plugin_test_storage.h"

namespace {

class ImpostorMemoryStorage : public limitsd::storage::plugin_test::PluginTestStorage {
 public:
  static constexpr std::string_view kSchemes[] = {"memory"};
  using PluginTestStorage::PluginTestStorage;
};
LIMITSD_REGISTER_STORAGE(ImpostorMemoryStorage);

}  // namespace
