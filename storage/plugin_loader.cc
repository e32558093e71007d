#include "storage/plugin_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <mutex>

#include "storage/configuration_error.h"
#include "storage/storage_registry.h"

namespace limitsd::storage {
namespace {

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

[[noreturn]] void Fail(const std::filesystem::path& path, const std::string& why) {
  throw ConfigurationError("storage plugin '" + path.string() + "': " + why);
}

// Schemes registered by each library this process loaded, by dlopen handle.
std::map<void*, std::vector<std::string>>& LoadedPlugins() {
  static std::map<void*, std::vector<std::string>> loaded;
  return loaded;
}

std::vector<std::string> NewSchemes(const std::vector<std::string>& before,
                                    const std::vector<std::string>& after) {
  std::vector<std::string> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  return added;
}

}  // namespace

std::vector<std::string> LoadPlugin(const std::filesystem::path& path) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    Fail(path, "no such file; check the path in `plugins:`");
  }
  // An absolute path keeps dlopen from searching the library path for a bare name.
  const std::string file = std::filesystem::absolute(path, ec).string();
  if (void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
    const auto it = LoadedPlugins().find(handle);
    if (it != LoadedPlugins().end()) return it->second;
  }

  StorageRegistry& registry = StorageRegistry::Instance();
  if (std::vector<std::string> earlier = registry.TakeErrors(); !earlier.empty()) {
    throw ConfigurationError("storage registration failed before loading plugin '" +
                             path.string() + "': " + Join(earlier, "; "));
  }
  const std::vector<std::string> before = registry.Schemes();
  dlerror();
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    Fail(path, std::string("cannot be loaded: ") + (error != nullptr ? error : "unknown error"));
  }
  if (std::vector<std::string> errors = registry.TakeErrors(); !errors.empty()) {
    Fail(path, Join(errors, "; "));
  }
  std::vector<std::string> added = NewSchemes(before, registry.Schemes());
  if (added.empty()) {
    Fail(path, "registers no storage scheme; a plugin declares kSchemes and uses "
               "LIMITSD_REGISTER_STORAGE(YourStorage)");
  }
  LoadedPlugins()[handle] = added;
  return added;
}

}  // namespace limitsd::storage
