#pragma once
// The daemon's configuration as plain data, with the defaults docs/configuration.md lists.
// ConfigLoader fills it from YAML and CommandLine::ApplyOverrides from the command line;
// nothing here does I/O.
//
// Source positions (`line`, `column`, `*_line`, `*_column`) are 1-based positions in
// `Config::source`. A line of 0 means "not written anywhere" (a default), and
// kFromCommandLine means the value came from a command-line flag. Format messages about them
// with FormatDiagnostic (config/diagnostic.h), so every component reports places alike.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace limitsd::config {

/// Line number of a value that a command-line flag set (see FormatDiagnostic).
inline constexpr int kFromCommandLine = -1;

/// The values of log.level and --log-level (spdlog's level names).
inline constexpr std::array<std::string_view, 7> kLogLevels = {
    "trace", "debug", "info", "warn", "error", "critical", "off"};

enum class OnError { kError, kDeny, kAllow, kLocal };
enum class LogFormat { kText, kJson };

/// Where something was written: 1-based, line 0 when it was not written (a default).
struct SourceMark {
  int line = 0;
  int column = 0;
};

/// A place to listen: "host:port" / "[v6]:port", or "unix:/path".
struct ListenAddress {
  std::string host;  ///< empty for unix sockets; an IPv6 address without its brackets
  std::uint16_t port = 0;
  std::string unix_path;  ///< set for "unix:/path"
  std::string text;       ///< as written

  bool IsUnix() const { return !unix_path.empty(); }
};

/// `server.tls`: TLS on the client listeners (docs/security.md). Paths are absolute, or
/// as written when there is no file.
struct TlsConfig {
  std::string cert_file;  ///< PEM: the server's certificate, then any intermediates
  std::string key_file;   ///< PEM: its private key
  std::string ca_file;    ///< PEM: CAs of required client certificates; empty: none asked
  SourceMark mark;        ///< where `tls` was written
};

struct ServerConfig {
  std::vector<ListenAddress> listen = {
      ListenAddress{"127.0.0.1", 7400, "", "127.0.0.1:7400"}};
  unsigned threads = 1;  ///< 0 in the file means one per core (resolved on load, so never 0)
  std::uint32_t max_connections = 10000;
  std::uint32_t max_line_bytes = 4096;
  std::uint32_t idle_timeout_ms = 300000;  ///< 0: connections never time out
  /// Required of clients before any request but PING (docs/security.md); unset: none.
  std::optional<std::string> password;
  std::optional<TlsConfig> tls;  ///< unset: the client listeners speak plain TCP
  /// Required of clients for RESET/CLEAR, inline limits and CL.THROTTLE, and for POST
  /// /reload (docs/security.md); unset: server.password (or nothing) allows them too.
  std::optional<std::string> admin_password;
};

struct StorageConfig {
  std::string uri = "memory://";
  std::map<std::string, std::string, std::less<>> options;
  std::uint32_t timeout_ms = 50;
  OnError on_error = OnError::kError;
  /// storage.connect: require (true) refuses to start, or to reload onto a new storage,
  /// when the storage does not answer; try (false) logs it and goes on.
  bool connect_required = false;
  int uri_line = 0;  ///< where `uri` was written (kFromCommandLine for --storage)
  int uri_column = 0;
  std::map<std::string, SourceMark, std::less<>> option_marks;  ///< where each option was written
};

/// A named limit: `api: { rate: "100/minute;2000/hour", strategy: sliding-window-counter }`.
struct LimitConfig {
  std::string name;
  std::string rate;      ///< as written; parsed by limits::ParseRates
  std::string strategy;  ///< empty: the top-level default
  int line = 0;          ///< where the name was written, for error messages
  int column = 0;
  int rate_line = 0;  ///< where the rate string was written
  int rate_column = 0;
  int strategy_line = 0;  ///< where `strategy` was written; 0 when it was not
  int strategy_column = 0;
  bool shadow = false;  ///< decide and count, but always allow (see docs/operations.md)
  std::int64_t burst = 0;  ///< gcra's bucket size; 0: the rate's amount
  int burst_line = 0;      ///< where `burst` was written; 0 when it was not
  int burst_column = 0;
};

struct AdminConfig {
  std::string listen;  ///< empty: off
  std::optional<ListenAddress> address;  ///< `listen` parsed, when set
  int listen_line = 0;
  int listen_column = 0;
  std::uint32_t max_connections = 64;    ///< admin connections served at once
  std::uint32_t read_timeout_ms = 10000;  ///< to read one request
};

/// The HTTP/JSON decision API (docs/http.md): off unless `listen` is set.
struct HttpConfig {
  std::string listen;  ///< empty: off
  std::optional<ListenAddress> address;  ///< `listen` parsed, when set
  int listen_line = 0;
  int listen_column = 0;
  std::uint32_t max_header_bytes = 8192;  ///< request line and headers; more gets 431
  std::uint32_t max_body_bytes = 65536;   ///< request body; more gets 413
};

/// `grpc:`: Envoy's rate limit service (RLS v3), off unless `listen` is set.
struct GrpcConfig {
  std::string listen;                    ///< empty: off
  std::optional<ListenAddress> address;  ///< `listen` parsed, when set
  int listen_line = 0;
  int listen_column = 0;
};

/// `envoy:`: envoyproxy/ratelimit configuration files the gRPC service decides with.
struct EnvoyConfig {
  std::vector<std::string> config;  ///< files or directories; relative to the config file
  std::vector<SourceMark> marks;    ///< parallel to `config`
};

struct LogConfig {
  std::string level = "info";  ///< trace|debug|info|warn|error|critical|off
  LogFormat format = LogFormat::kText;
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  std::string strategy = "fixed-window";
  int strategy_line = 0;  ///< where the top-level `strategy` was written
  int strategy_column = 0;
  bool allow_inline_limits = true;
  /// The longest window an inline limit may have, written as a rate's window ("1 day").
  std::string max_inline_window = "1 day";
  int max_inline_window_line = 0;
  int max_inline_window_column = 0;
  bool allow_reset = true;
  bool shadow = false;  ///< shadow mode for every limit, named or inline
  std::vector<LimitConfig> limits;  ///< in file order
  std::vector<std::string> plugins;  ///< absolute, or as written when there is no file
  std::vector<SourceMark> plugin_marks;  ///< parallel to `plugins`
  AdminConfig admin;
  GrpcConfig grpc;
  EnvoyConfig envoy;
  LogConfig log;
  HttpConfig http;
  std::string source = "<defaults>";  ///< the file it came from
};

}  // namespace limitsd::config
