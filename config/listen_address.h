#pragma once
// Parsing of listen addresses: "host:port", "[v6]:port" or "unix:/path".

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace limitsd::config {

struct ListenAddressResult {
  std::optional<ListenAddress> address;  ///< set on success
  std::string error;                     ///< what is wrong and how to write it, otherwise
};

/// Parses one listen address. Hosts are IPv4 addresses, host names, or IPv6 addresses in
/// brackets; ports are 0 to 65535 (0: any free port); unix socket paths are non-empty and
/// fit in sockaddr_un (at most 107 bytes).
ListenAddressResult ParseListenAddress(std::string_view text);

}  // namespace limitsd::config
