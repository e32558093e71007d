#pragma once
// The daemon's configuration as plain data, with DESIGN.md's defaults. ConfigLoader fills
// it from YAML and the command line; nothing here does I/O.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace limitsd::config {

enum class OnError { kError, kDeny, kAllow, kLocal };
enum class LogFormat { kText, kJson };

/// A place to listen: "host:port" / "[v6]:port", or "unix:/path".
struct ListenAddress {
  std::string host;  ///< empty for unix sockets
  std::uint16_t port = 0;
  std::string unix_path;  ///< set for "unix:/path"
  std::string text;       ///< as written
};

struct ServerConfig {
  std::vector<ListenAddress> listen;  ///< default: 127.0.0.1:7400
  unsigned threads = 1;               ///< 0 in the file means one per core (resolved on load)
  std::uint32_t max_connections = 10000;
  std::uint32_t max_line_bytes = 4096;
  std::uint32_t idle_timeout_ms = 300000;
};

struct StorageConfig {
  std::string uri = "memory://";
  std::map<std::string, std::string, std::less<>> options;
  std::uint32_t timeout_ms = 50;
  OnError on_error = OnError::kError;
};

/// A named limit: `api: { rate: "100/minute;2000/hour", strategy: sliding-window-counter }`.
struct LimitConfig {
  std::string name;
  std::string rate;      ///< as written; parsed by limits::ParseRates
  std::string strategy;  ///< empty: the top-level default
  int line = 0;          ///< where it was written, for error messages
  int column = 0;
};

struct AdminConfig {
  std::string listen;  ///< empty: off
};

struct LogConfig {
  std::string level = "info";
  LogFormat format = LogFormat::kText;
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  std::string strategy = "fixed-window";
  bool allow_inline_limits = true;
  bool allow_reset = true;
  std::vector<LimitConfig> limits;  ///< in file order
  std::vector<std::string> plugins;
  AdminConfig admin;
  LogConfig log;
  std::string source = "<defaults>";  ///< the file it came from
};

}  // namespace limitsd::config
