#include "config/config_loader.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/config_error.h"
#include "config/listen_address.h"
#include "config/usable_cpus.h"
#include "config/yaml_reader.h"

namespace limitsd::config {
namespace {

using Names = std::array<std::string_view, 0>;

constexpr std::array<std::string_view, 14> kTopKeys = {
    "server",      "storage", "strategy", "allow_inline_limits",
    "allow_reset", "limits",  "plugins",  "admin",
    "log",         "http",    "shadow",   "grpc",
    "envoy",       "max_inline_window"};
constexpr std::array<std::string_view, 8> kServerKeys = {
    "listen",   "threads", "max_connections", "max_line_bytes", "idle_timeout_ms",
    "password", "tls",     "admin_password"};
constexpr std::array<std::string_view, 3> kTlsKeys = {"cert_file", "key_file", "ca_file"};
constexpr std::array<std::string_view, 5> kStorageKeys = {"uri", "options", "timeout_ms",
                                                          "on_error", "connect"};
constexpr std::array<std::string_view, 2> kConnectValues = {"try", "require"};
constexpr std::array<std::string_view, 4> kLimitKeys = {"rate", "strategy", "shadow", "burst"};
constexpr std::uint64_t kMaxBurst = 1'000'000'000;
constexpr std::array<std::string_view, 3> kAdminKeys = {"listen", "max_connections",
                                                        "read_timeout_ms"};
constexpr std::array<std::string_view, 3> kHttpKeys = {"listen", "max_header_bytes",
                                                       "max_body_bytes"};
constexpr std::array<std::string_view, 1> kGrpcKeys = {"listen"};
constexpr std::array<std::string_view, 1> kEnvoyKeys = {"config"};
constexpr std::array<std::string_view, 2> kLogKeys = {"level", "format"};
constexpr std::array<std::string_view, 4> kOnErrorValues = {"error", "deny", "allow", "local"};
constexpr std::array<std::string_view, 2> kLogFormats = {"text", "json"};

constexpr std::uint64_t kMaxThreads = 1024;
constexpr std::uint64_t kMaxConnections = 10'000'000;
constexpr std::uint64_t kMinLineBytes = 64;
constexpr std::uint64_t kMaxLineBytes = 16 * 1024 * 1024;
constexpr std::uint64_t kMaxIdleTimeoutMs = 2'147'483'647;
constexpr std::uint64_t kMaxStorageTimeoutMs = 3'600'000;
constexpr std::uint64_t kMinHttpHeaderBytes = 1024;
constexpr std::uint64_t kMaxHttpHeaderBytes = 1024 * 1024;
constexpr std::uint64_t kMinHttpBodyBytes = 1024;
constexpr std::uint64_t kMaxHttpBodyBytes = 64 * 1024 * 1024;

bool IsLimitName(std::string_view name) {
  auto is_start = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (name.empty() || !is_start(name[0])) return false;
  for (char c : name) {
    if (!is_start(c) && !(c >= '0' && c <= '9') && c != '.' && c != '-') return false;
  }
  return true;
}

/// Reads each section of the document into a Config, collecting errors in the reader.
class ConfigParser {
 public:
  ConfigParser(YamlReader& reader, std::filesystem::path base_dir)
      : reader_(reader), base_dir_(std::move(base_dir)) {}

  void Parse(const YAML::Node& root, Config& config);

 private:
  void ParseServer(const YAML::Node& node, ServerConfig& server);
  void ParseListen(const YAML::Node& node, std::vector<ListenAddress>& listen);
  void ParseTls(const YAML::Node& node, std::optional<TlsConfig>& tls);
  void ParseStorage(const YAML::Node& node, StorageConfig& storage);
  void ParseOptions(const YAML::Node& node, StorageConfig& storage);
  void ParseLimits(const YAML::Node& node, std::vector<LimitConfig>& limits);
  void ParseLimit(const YAML::Node& node, LimitConfig& limit);
  void ParsePlugins(const YAML::Node& node, Config& config);
  void ParseAdmin(const YAML::Node& node, AdminConfig& admin);
  void ParseLog(const YAML::Node& node, LogConfig& log);
  void ParseHttp(const YAML::Node& node, HttpConfig& http);
  void ParseGrpc(const YAML::Node& node, GrpcConfig& grpc);
  void ParseEnvoy(const YAML::Node& node, EnvoyConfig& envoy);
  std::optional<ListenAddress> Address(const YAML::Node& node, std::string_view path);
  std::optional<std::string> NonEmpty(const YAML::Node& node, std::string_view path,
                                      std::string_view example);

  template <typename T>
  void Set(std::optional<T> value, T& target) {
    if (value) target = std::move(*value);
  }

  YamlReader& reader_;
  std::filesystem::path base_dir_;
};

void ConfigParser::Parse(const YAML::Node& root, Config& config) {
  if (!reader_.ExpectMap(root, "the configuration")) return;
  reader_.ForEachKey(root, "", kTopKeys, [&](const std::string& key, const YAML::Node&,
                                             const YAML::Node& value) {
    if (key == "server") ParseServer(value, config.server);
    if (key == "storage") ParseStorage(value, config.storage);
    if (key == "strategy") {
      Set(NonEmpty(value, "strategy", "fixed-window"), config.strategy);
      const SourceMark mark = YamlReader::MarkOf(value);
      config.strategy_line = mark.line;
      config.strategy_column = mark.column;
    }
    if (key == "allow_inline_limits") Set(reader_.Bool(value, key), config.allow_inline_limits);
    if (key == "allow_reset") Set(reader_.Bool(value, key), config.allow_reset);
    if (key == "shadow") Set(reader_.Bool(value, key), config.shadow);
    if (key == "limits") ParseLimits(value, config.limits);
    if (key == "plugins") ParsePlugins(value, config);
    if (key == "admin") ParseAdmin(value, config.admin);
    if (key == "log") ParseLog(value, config.log);
    if (key == "http") ParseHttp(value, config.http);
    if (key == "grpc") ParseGrpc(value, config.grpc);
    if (key == "envoy") ParseEnvoy(value, config.envoy);
    if (key == "max_inline_window") {
      Set(NonEmpty(value, "max_inline_window", "\"1 day\""), config.max_inline_window);
      const SourceMark mark = YamlReader::MarkOf(value);
      config.max_inline_window_line = mark.line;
      config.max_inline_window_column = mark.column;
    }
  });
}

void ConfigParser::ParseServer(const YAML::Node& node, ServerConfig& server) {
  if (!reader_.ExpectMap(node, "server")) return;
  YAML::Node admin_password_node;  // where server.admin_password was written
  reader_.ForEachKey(node, "server", kServerKeys, [&](const std::string& key, const YAML::Node&,
                                                      const YAML::Node& value) {
    const std::string path = "server." + key;
    auto number = [&](std::uint64_t min, std::uint64_t max) {
      return reader_.Integer(value, path, min, max);
    };
    if (key == "listen") ParseListen(value, server.listen);
    if (key == "threads") Set<unsigned>(number(0, kMaxThreads), server.threads);
    if (key == "max_connections") Set<std::uint32_t>(number(1, kMaxConnections), server.max_connections);
    if (key == "max_line_bytes") Set<std::uint32_t>(number(kMinLineBytes, kMaxLineBytes), server.max_line_bytes);
    if (key == "idle_timeout_ms") Set<std::uint32_t>(number(0, kMaxIdleTimeoutMs), server.idle_timeout_ms);
    if (key == "password" || key == "admin_password") {
      std::optional<std::string> password = reader_.String(value, path);
      if (password && password->empty()) {
        reader_.Error(value,
                      "\"" + path + "\" is empty: give a password (e.g. \"${" +
                          (key == "password" ? "LIMITSD_PASSWORD" : "LIMITSD_ADMIN_PASSWORD") +
                          "}\"), or remove the key to run without one");
        password.reset();
      }
      if (password) (key == "password" ? server.password : server.admin_password) = *password;
      if (key == "admin_password") admin_password_node = value;
    }
    if (key == "tls") ParseTls(value, server.tls);
  });
  if (server.admin_password && server.admin_password == server.password) {
    reader_.Error(admin_password_node,
                  "\"server.admin_password\" is the same as \"server.password\": every client "
                  "with the password would have the admin rights; choose another one");
  }
}

void ConfigParser::ParseTls(const YAML::Node& node, std::optional<TlsConfig>& tls) {
  if (!reader_.ExpectMap(node, "server.tls")) return;
  TlsConfig read{.mark = YamlReader::MarkOf(node)};
  reader_.ForEachKey(node, "server.tls", kTlsKeys,
                     [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
                       std::optional<std::string> path =
                           NonEmpty(value, "server.tls." + key,
                                    "\"/etc/limitsd/tls/" + key.substr(0, 4) + ".pem\"");
                       if (!path) return;
                       std::filesystem::path file(*path);
                       if (file.is_relative() && !base_dir_.empty())
                         file = (base_dir_ / file).lexically_normal();
                       std::string& target = key == "cert_file"  ? read.cert_file
                                             : key == "key_file" ? read.key_file
                                                                 : read.ca_file;
                       target = file.string();
                     });
  for (const auto& [name, value] :
       {std::pair{"cert_file", &read.cert_file}, std::pair{"key_file", &read.key_file}}) {
    if (value->empty() && !node[name]) {
      reader_.Error(read.mark, fmt::format("\"server.tls\" needs {}: the PEM file of the "
                                           "server's {}",
                                           name,
                                           std::string_view(name) == "cert_file"
                                               ? "certificate (and intermediates)"
                                               : "private key"));
    }
  }
  tls = std::move(read);
}

void ConfigParser::ParseListen(const YAML::Node& node, std::vector<ListenAddress>& listen) {
  std::vector<ListenAddress> addresses;
  std::set<std::string> seen;
  auto add = [&](const YAML::Node& item) {
    std::optional<ListenAddress> address = Address(item, "server.listen");
    if (!address) return;
    if (!seen.insert(address->text).second) {
      reader_.Error(item, fmt::format("\"{}\" is listed twice in server.listen: keep one",
                                      address->text));
      return;
    }
    addresses.push_back(std::move(*address));
  };
  if (node.IsScalar()) {
    add(node);  // one address needs no list
  } else if (node.IsSequence() && node.size() > 0) {
    for (const YAML::Node& item : node) add(item);
  } else {
    reader_.Error(node, "\"server.listen\" needs at least one address, e.g. "
                        "[\"127.0.0.1:7400\"]");
    return;
  }
  if (!addresses.empty()) listen = std::move(addresses);
}

std::optional<ListenAddress> ConfigParser::Address(const YAML::Node& node, std::string_view path) {
  const std::optional<std::string> text = reader_.String(node, path);
  if (!text) return std::nullopt;
  ListenAddressResult parsed = ParseListenAddress(*text);
  if (!parsed.address) reader_.Error(node, fmt::format("in \"{}\": {}", path, parsed.error));
  return std::move(parsed.address);
}

std::optional<std::string> ConfigParser::NonEmpty(const YAML::Node& node, std::string_view path,
                                                  std::string_view example) {
  std::optional<std::string> text = reader_.String(node, path);
  if (text && text->empty()) {
    reader_.Error(node, fmt::format("\"{}\" must not be empty, e.g. {}", path, example));
    return std::nullopt;
  }
  return text;
}

void ConfigParser::ParseStorage(const YAML::Node& node, StorageConfig& storage) {
  if (!reader_.ExpectMap(node, "storage")) return;
  reader_.ForEachKey(node, "storage", kStorageKeys, [&](const std::string& key, const YAML::Node&,
                                                        const YAML::Node& value) {
    const std::string path = "storage." + key;
    if (key == "uri") {
      std::optional<std::string> uri = NonEmpty(value, path, "memory://");
      if (uri && uri->find("://") == std::string::npos) {
        reader_.Error(value, fmt::format("\"storage.uri\" must look like SCHEME://..., e.g. "
                                         "memory:// or redis://localhost:6379; got \"{}\"",
                                         *uri));
        uri.reset();
      }
      storage.uri = uri.value_or("");  // empty: rejected, nothing further to check

      const SourceMark mark = YamlReader::MarkOf(value);
      storage.uri_line = mark.line;
      storage.uri_column = mark.column;
    }
    if (key == "options") ParseOptions(value, storage);
    if (key == "timeout_ms") {
      Set<std::uint32_t>(reader_.Integer(value, path, 1, kMaxStorageTimeoutMs), storage.timeout_ms);
    }
    if (key == "connect") {
      const std::optional<std::string> choice = reader_.Enum(value, path, kConnectValues);
      if (choice) storage.connect_required = *choice == "require";
    }
    if (key == "on_error") {
      const std::optional<std::string> choice = reader_.Enum(value, path, kOnErrorValues);
      if (choice == "error") storage.on_error = OnError::kError;
      if (choice == "deny") storage.on_error = OnError::kDeny;
      if (choice == "allow") storage.on_error = OnError::kAllow;
      if (choice == "local") storage.on_error = OnError::kLocal;
    }
  });
}

void ConfigParser::ParseOptions(const YAML::Node& node, StorageConfig& storage) {
  if (!reader_.ExpectMap(node, "storage.options")) return;
  reader_.ForEachKey(node, "storage.options", Names{}, [&](const std::string& key,
                                                           const YAML::Node& key_node,
                                                           const YAML::Node& value) {
    std::optional<std::string> text = reader_.String(value, "storage.options." + key, true);
    if (!text) return;
    storage.options[key] = std::move(*text);
    storage.option_marks[key] = YamlReader::MarkOf(key_node);
  });
}

void ConfigParser::ParseLimits(const YAML::Node& node, std::vector<LimitConfig>& limits) {
  if (!reader_.ExpectMap(node, "limits")) return;
  reader_.ForEachKey(node, "limits", Names{}, [&](const std::string& name,
                                                  const YAML::Node& key_node,
                                                  const YAML::Node& value) {
    const SourceMark mark = YamlReader::MarkOf(key_node);
    if (!IsLimitName(name)) {
      reader_.Error(mark, fmt::format("bad limit name \"{}\": a name starts with a letter or '_' "
                                      "and goes on with letters, digits, '_', '.' or '-'",
                                      name));
      return;
    }
    LimitConfig limit{.name = name, .line = mark.line, .column = mark.column};
    ParseLimit(value, limit);
    limits.push_back(std::move(limit));
  });
}

void ConfigParser::ParseLimit(const YAML::Node& node, LimitConfig& limit) {
  const std::string path = "limits." + limit.name;
  auto read_rate = [&](const YAML::Node& value) {
    Set(NonEmpty(value, path + ".rate", "\"100/minute\""), limit.rate);
    const SourceMark mark = YamlReader::MarkOf(value);
    limit.rate_line = mark.line;
    limit.rate_column = mark.column;
  };
  if (node.IsScalar()) {
    read_rate(node);  // `name: "10/second"` is short for `name: { rate: "10/second" }`
    return;
  }
  if (!node.IsMap()) {
    reader_.Error(node, fmt::format("\"{}\" needs a rate: write {{ rate: \"100/minute\" }} or "
                                    "{{ rate: \"100/minute\", strategy: moving-window }}",
                                    path));
    return;
  }
  reader_.ForEachKey(node, path, kLimitKeys, [&](const std::string& key, const YAML::Node&,
                                                 const YAML::Node& value) {
    if (key == "rate") read_rate(value);
    if (key == "shadow") Set(reader_.Bool(value, path + ".shadow"), limit.shadow);
    if (key == "strategy") {
      Set(NonEmpty(value, path + ".strategy", "moving-window"), limit.strategy);
      const SourceMark mark = YamlReader::MarkOf(value);
      limit.strategy_line = mark.line;
      limit.strategy_column = mark.column;
    }
    if (key == "burst") {
      Set<std::int64_t>(reader_.Integer(value, path + ".burst", 1, kMaxBurst), limit.burst);
      const SourceMark mark = YamlReader::MarkOf(value);
      limit.burst_line = mark.line;
      limit.burst_column = mark.column;
    }
  });
  if (!node["rate"]) {
    reader_.Error(SourceMark{limit.line, limit.column},
                  fmt::format("\"{}\" has no rate: add rate: \"100/minute\" (or similar)", path));
  }
}

void ConfigParser::ParsePlugins(const YAML::Node& node, Config& config) {
  if (!reader_.ExpectSequence(node, "plugins")) return;
  std::size_t index = 0;
  for (const YAML::Node& item : node) {
    const std::string where = fmt::format("plugins[{}]", index++);
    std::optional<std::string> path = NonEmpty(item, where, "\"/usr/lib/limitsd/mystore.so\"");
    if (!path) continue;
    std::filesystem::path file(*path);
    if (file.is_relative() && !base_dir_.empty()) file = (base_dir_ / file).lexically_normal();
    config.plugins.push_back(file.string());
    config.plugin_marks.push_back(YamlReader::MarkOf(item));
  }
}

void ConfigParser::ParseAdmin(const YAML::Node& node, AdminConfig& admin) {
  if (!reader_.ExpectMap(node, "admin")) return;
  reader_.ForEachKey(node, "admin", kAdminKeys, [&](const std::string& key, const YAML::Node& key_node,
                                                    const YAML::Node& value) {
    if (key == "max_connections") {
      Set<std::uint32_t>(reader_.Integer(value, "admin.max_connections", 1, 100000),
                         admin.max_connections);
      return;
    }
    if (key == "read_timeout_ms") {
      Set<std::uint32_t>(reader_.Integer(value, "admin.read_timeout_ms", 1, kMaxIdleTimeoutMs),
                         admin.read_timeout_ms);
      return;
    }
    const std::optional<std::string> text = reader_.String(value, "admin.listen", true);
    if (!text) return;
    const SourceMark mark = value.IsNull() ? YamlReader::MarkOf(key_node) : YamlReader::MarkOf(value);
    admin.listen_line = mark.line;
    admin.listen_column = mark.column;
    admin.listen = *text;
    admin.address.reset();
    if (text->empty()) return;
    ListenAddressResult parsed = ParseListenAddress(*text);
    if (!parsed.address) {
      reader_.Error(value, "in \"admin.listen\": " + parsed.error);
    } else if (parsed.address->IsUnix()) {
      reader_.Error(value, "\"admin.listen\" takes HOST:PORT or [IPv6]:PORT, e.g. "
                           "127.0.0.1:7401, not a unix socket");
    } else {
      admin.address = std::move(parsed.address);
    }
  });
}

void ConfigParser::ParseLog(const YAML::Node& node, LogConfig& log) {
  if (!reader_.ExpectMap(node, "log")) return;
  reader_.ForEachKey(node, "log", kLogKeys, [&](const std::string& key, const YAML::Node&,
                                                const YAML::Node& value) {
    if (key == "level") Set(reader_.Enum(value, "log.level", kLogLevels), log.level);
    if (key == "format") {
      const std::optional<std::string> format = reader_.Enum(value, "log.format", kLogFormats);
      if (format == "text") log.format = LogFormat::kText;
      if (format == "json") log.format = LogFormat::kJson;
    }
  });
}

void ConfigParser::ParseHttp(const YAML::Node& node, HttpConfig& http) {
  if (!reader_.ExpectMap(node, "http")) return;
  reader_.ForEachKey(node, "http", kHttpKeys, [&](const std::string& key,
                                                  const YAML::Node& key_node,
                                                  const YAML::Node& value) {
    const std::string path = "http." + key;
    if (key == "max_header_bytes") {
      Set<std::uint32_t>(reader_.Integer(value, path, kMinHttpHeaderBytes, kMaxHttpHeaderBytes),
                         http.max_header_bytes);
    }
    if (key == "max_body_bytes") {
      Set<std::uint32_t>(reader_.Integer(value, path, kMinHttpBodyBytes, kMaxHttpBodyBytes),
                         http.max_body_bytes);
    }
    if (key != "listen") return;
    const std::optional<std::string> text = reader_.String(value, path, true);
    if (!text) return;
    const SourceMark mark = value.IsNull() ? YamlReader::MarkOf(key_node) : YamlReader::MarkOf(value);
    http.listen_line = mark.line;
    http.listen_column = mark.column;
    http.listen = *text;
    http.address.reset();
    if (text->empty()) return;
    ListenAddressResult parsed = ParseListenAddress(*text);
    if (!parsed.address) {
      reader_.Error(value, "in \"http.listen\": " + parsed.error);
    } else if (parsed.address->IsUnix()) {
      reader_.Error(value, "\"http.listen\" takes HOST:PORT or [IPv6]:PORT, e.g. "
                           "127.0.0.1:7401, not a unix socket");
    } else {
      http.address = std::move(parsed.address);
    }
  });
}

void ConfigParser::ParseGrpc(const YAML::Node& node, GrpcConfig& grpc) {
  if (!reader_.ExpectMap(node, "grpc")) return;
  reader_.ForEachKey(node, "grpc", kGrpcKeys,
                     [&](const std::string&, const YAML::Node& key_node, const YAML::Node& value) {
                       const std::optional<std::string> text =
                           reader_.String(value, "grpc.listen", true);
                       if (!text) return;
                       const SourceMark mark = value.IsNull() ? YamlReader::MarkOf(key_node)
                                                              : YamlReader::MarkOf(value);
                       grpc.listen_line = mark.line;
                       grpc.listen_column = mark.column;
                       grpc.listen = *text;
                       grpc.address.reset();
                       if (text->empty()) return;
                       ListenAddressResult parsed = ParseListenAddress(*text);
                       if (!parsed.address) {
                         reader_.Error(value, "in \"grpc.listen\": " + parsed.error);
                       } else {
                         grpc.address = std::move(parsed.address);
                       }
                     });
}

void ConfigParser::ParseEnvoy(const YAML::Node& node, EnvoyConfig& envoy) {
  if (!reader_.ExpectMap(node, "envoy")) return;
  reader_.ForEachKey(node, "envoy", kEnvoyKeys,
                     [&](const std::string&, const YAML::Node&, const YAML::Node& value) {
                       auto add = [&](const YAML::Node& item, const std::string& where) {
                         std::optional<std::string> path =
                             NonEmpty(item, where, "\"/etc/ratelimit/config\"");
                         if (!path) return;
                         std::filesystem::path file(*path);
                         if (file.is_relative() && !base_dir_.empty())
                           file = (base_dir_ / file).lexically_normal();
                         envoy.config.push_back(file.string());
                         envoy.marks.push_back(YamlReader::MarkOf(item));
                       };
                       if (value.IsScalar())
                         return add(value, "envoy.config");  // one path needs no list
                       if (!reader_.ExpectSequence(value, "envoy.config")) return;
                       std::size_t index = 0;
                       for (const YAML::Node& item : value)
                         add(item, fmt::format("envoy.config[{}]", index++));
                     });
}

}  // namespace

ConfigLoader::Result ConfigLoader::LoadString(std::string_view yaml, std::string source,
                                              const std::filesystem::path& base_dir) const {
  YamlReader reader(source, env_);
  Config config;
  config.source = std::move(source);
  const std::optional<YAML::Node> root =
      reader.ParseDocument(yaml, "limitsd reads one: merge them into a single document");
  const bool parsed = root.has_value();
  if (parsed) ConfigParser(reader, base_dir).Parse(*root, config);
  if (!parsed) return Result{std::nullopt, std::move(reader.diagnostics())};
  config.server.threads = ResolveThreads(config.server.threads);
  return Result{std::move(config), std::move(reader.diagnostics())};
}

ConfigLoader::Result ConfigLoader::LoadFile(const std::filesystem::path& path) const {
  std::error_code ignored;
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in && !std::filesystem::is_directory(path, ignored)) text << in.rdbuf();
  if (!in || in.bad() || std::filesystem::is_directory(path, ignored)) {
    const std::string why = std::filesystem::is_directory(path, ignored) ? "it is a directory"
                            : errno != 0                                 ? std::strerror(errno)
                                                                         : "read error";
    return Result{std::nullopt,
                  {Diagnostic{path.string(), 0, 0,
                              fmt::format("cannot read the configuration file: {}; give the "
                                          "path of a readable YAML file",
                                          why)}}};
  }
  const std::filesystem::path absolute = std::filesystem::absolute(path, ignored);
  return LoadString(text.str(), path.string(), absolute.parent_path());
}

Config ConfigLoader::LoadFileOrThrow(const std::filesystem::path& path) const {
  Result result = LoadFile(path);
  if (!result.ok()) throw ConfigError(std::move(result.errors));
  return std::move(*result.config);
}

unsigned ConfigLoader::ResolveThreads(unsigned configured) {
  return configured != 0 ? configured : UsableCpus::Count();
}

}  // namespace limitsd::config
