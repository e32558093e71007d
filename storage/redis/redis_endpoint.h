#pragma once
// Where one Redis server listens and how to open a session with it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace limitsd::storage::redis {

/// A TCP host:port, or a Unix socket path when `unix_path` is set.
struct RedisEndpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string unix_path;

  bool IsUnix() const noexcept { return !unix_path.empty(); }
  /// "host:port", "[v6]:port" or "unix:/path", for logs.
  std::string Describe() const;
  friend bool operator==(const RedisEndpoint&, const RedisEndpoint&) = default;
};

/// What a connection sends before its first command, and how it connects.
struct SessionOptions {
  std::optional<std::string> username;
  std::optional<std::string> password;  ///< never logged
  int db = 0;
  std::chrono::milliseconds connect_timeout{1000};
  /// A connection whose oldest call has waited this long for its reply is considered hung
  /// and is dropped (its calls fail), so a stalled server cannot pile calls up forever.
  std::chrono::milliseconds stall_timeout{2000};
  /// Set for rediss://: TCP connections are wrapped in TLS with this context.
  std::shared_ptr<boost::asio::ssl::context> tls;
  bool tls_verify = true;
  /// After AUTH and SELECT, ask ROLE and refuse a server that is not a master (sentinel:
  /// a stale address must not take writes).
  bool require_master = false;
};

}  // namespace limitsd::storage::redis
