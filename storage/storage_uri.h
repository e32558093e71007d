#pragma once
// A storage URI: scheme://[user[:password]@]host:port[,host:port...][/path][?query]
// as limits' parse_storage_uri reads it (IPv6 in brackets, several locations).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace limitsd::storage {

struct Location {
  std::string host;  ///< without brackets for IPv6
  std::uint16_t port = 0;
  friend bool operator==(const Location&, const Location&) = default;
};

struct StorageUri {
  std::string scheme;  ///< lower-cased
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::vector<Location> locations;
  std::string path;  ///< after the locations, with its leading '/', e.g. "/0" or "/tmp/x.sock"
  std::multimap<std::string, std::string> query;
  std::string original;  ///< the URI as given

  /// The URI with any password replaced by "***", for logs and errors.
  std::string Redacted() const;
};

/// `text` with ASCII letters lower-cased (schemes are case-insensitive).
std::string LowerAscii(std::string_view text);

/// The lower-cased scheme of `uri` (before "://"), or "" when it has none.
std::string SchemeOf(std::string_view uri);

/// Parses `uri`; on failure throws ConfigurationError (start-up only). Locations are parsed
/// when present; a location without a port, or with a bad port, is an error. Backends
/// that need a location check `locations.empty()` themselves.
StorageUri ParseStorageUri(std::string_view uri);

}  // namespace limitsd::storage
