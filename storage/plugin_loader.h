#pragma once
// Loads storage plugins: shared libraries whose LIMITSD_REGISTER_STORAGE lines register
// their schemes with the daemon's StorageRegistry while the library loads.
//
// A plugin links no limitsd library: it resolves StorageRegistry and the other SDK symbols
// from the daemon executable, which exports them. Plugins are never unloaded (the registry
// holds their factories).

#include <filesystem>
#include <string>
#include <vector>

namespace limitsd::storage {

/// Loads the plugin at `path` (dlopen with RTLD_NOW | RTLD_LOCAL) and returns the schemes
/// it registered, sorted. Loading the same file again returns the same schemes.
///
/// Throws ConfigurationError naming the file when: the file does not exist; dlopen fails
/// (not a shared library, unresolved symbols); the library registers no scheme; or the
/// registry recorded errors while it loaded (an ABI version other than this daemon's, a
/// scheme that is already registered). Start-up only; not thread-safe with Register().
std::vector<std::string> LoadPlugin(const std::filesystem::path& path);

}  // namespace limitsd::storage
