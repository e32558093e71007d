// A plugin whose calls fail: Incr throws, Get returns an error, Decr throws a non-standard
// exception. The daemon must turn each into an error value and keep running.
#include <stdexcept>

#include "storage/storage_registry.h"
#include "tests/storage/plugins/plugin_test_storage.h"

namespace {

using limitsd::storage::Micros;
using limitsd::storage::Result;

class ThrowingStorage : public limitsd::storage::plugin_test::PluginTestStorage {
 public:
  static constexpr std::string_view kSchemes[] = {"throwing"};
  using PluginTestStorage::PluginTestStorage;
  Result<std::int64_t> Incr(std::string_view, Micros, std::int64_t) override {
    throw std::runtime_error("the database went away");
  }
  Result<void> Decr(std::string_view, std::int64_t) override { throw 7; }
  Result<std::int64_t> Get(std::string_view) override {
    return limitsd::storage::StorageErrc::kUnavailable;
  }
};
LIMITSD_REGISTER_STORAGE(ThrowingStorage);

}  // namespace
