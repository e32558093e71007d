// A plugin that claims another storage ABI version, as one built against an older SDK.
#include "storage/storage_registry.h"
#include "tests/storage/plugins/plugin_test_storage.h"

namespace {

class OldAbiStorage : public limitsd::storage::plugin_test::PluginTestStorage {
 public:
  static constexpr std::string_view kSchemes[] = {"oldabi"};
  using PluginTestStorage::PluginTestStorage;
};

[[maybe_unused]] const bool kRegistered =
    (limitsd::storage::RegisterStorage<OldAbiStorage>("OldAbiStorage",
                                                      limitsd::storage::kStorageAbiVersion + 1),
     true);

}  // namespace
