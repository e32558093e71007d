#include "storage/redis/redis_settings.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "storage/configuration_error.h"

namespace limitsd::storage::redis {
namespace {

constexpr std::array<std::string_view, 13> kKnownOptions = {
    "key_prefix",    "pool_size",         "connect_timeout_ms", "db",
    "service_name",  "sentinel_username", "sentinel_password",  "tls_ca_file",
    "tls_cert_file", "tls_key_file",      "tls_verify",         "deny_cache",
    "deny_cache_size"};
constexpr long long kMaxDenyCacheSize = 1'000'000;

// limits / redis-py spellings accepted as aliases.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kAliases = {{
    {"ssl_ca_certs", "tls_ca_file"},
    {"ssl_certfile", "tls_cert_file"},
    {"ssl_keyfile", "tls_key_file"},
    {"ssl_cert_reqs", "tls_verify"},
}};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Canonical(std::string_view name) {
  for (const auto& [alias, canonical] : kAliases) {
    if (name == alias) return std::string(canonical);
  }
  return std::string(name);
}

// Options, then the URI's query for what the options leave unset; unknown names throw.
StorageContext MergedOptions(const StorageContext& context) {
  StorageContext merged = context;
  merged.options.clear();
  auto add = [&](const std::string& name, const std::string& value) {
    const std::string canonical = Canonical(name);
    if (std::find(kKnownOptions.begin(), kKnownOptions.end(), canonical) == kKnownOptions.end()) {
      std::string known;
      for (std::string_view k : kKnownOptions) known += (known.empty() ? "" : ", ") + std::string(k);
      context.Problem(name, fmt::format("{}: unknown redis storage option '{}' (known: {})",
                                        context.uri.Redacted(), name, known));
      return;
    }
    merged.options.emplace(canonical, value);
  };
  for (const auto& [name, value] : context.options) add(name, value);
  for (const auto& [name, value] : context.uri.query) add(name, value);
  return merged;
}

bool BoolOption(const StorageContext& c, std::string_view name, bool fallback) {
  const std::string value = c.Option(name, fallback ? "true" : "false");
  if (value == "true" || value == "1" || value == "yes" || value == "required") return true;
  if (value == "false" || value == "0" || value == "no" || value == "none") return false;
  c.Problem(name, fmt::format("storage option '{}' must be true or false, got '{}'", name, value));
  return fallback;
}

std::shared_ptr<boost::asio::ssl::context> MakeTlsContext(const StorageContext& c) {
  namespace ssl = boost::asio::ssl;
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
  try {
    const std::string ca = c.Option("tls_ca_file", "");
    if (ca.empty()) {
      tls->set_default_verify_paths();
    } else {
      tls->load_verify_file(ca);
    }
    const std::string cert = c.Option("tls_cert_file", "");
    const std::string key = c.Option("tls_key_file", "");
    if (!cert.empty()) tls->use_certificate_chain_file(cert);
    if (!key.empty()) tls->use_private_key_file(key, ssl::context::pem);
  } catch (const boost::system::system_error& e) {
    throw ConfigurationError(fmt::format("{}: cannot set up TLS: {} (check tls_ca_file, "
                                         "tls_cert_file and tls_key_file)",
                                         c.uri.Redacted(), e.what()));
  }
  return tls;
}

Topology TopologyOf(std::string_view scheme) {
  if (EndsWith(scheme, "+sentinel")) return Topology::kSentinel;
  if (EndsWith(scheme, "+cluster")) return Topology::kCluster;
  return Topology::kStandalone;
}

// The database: the URI path for redis:// ("/2"), else the db option.
int DatabaseOf(const StorageContext& c, bool path_is_db) {
  if (path_is_db && c.uri.path.size() > 1 && !c.options.contains("db")) {
    StorageContext from_path = c;
    from_path.options["db"] = c.uri.path.substr(1);
    return static_cast<int>(from_path.IntOption("db", 0, 0, 1 << 20));
  }
  return static_cast<int>(c.IntOption("db", 0, 0, 1 << 20));
}

void ReadEndpoints(const StorageContext& c, RedisSettings& s, bool is_unix) {
  const std::string& uri = c.uri.Redacted();
  if (is_unix) {
    if (c.uri.path.empty() || c.uri.path == "/") {
      throw ConfigurationError(uri + ": redis+unix:// needs a socket path, e.g. "
                                     "redis+unix:///run/redis/redis.sock");
    }
    s.endpoints.push_back(RedisEndpoint{{}, 0, c.uri.path});
    return;
  }
  if (c.uri.locations.empty()) {
    throw ConfigurationError(uri + ": no host:port in the URI, e.g. redis://127.0.0.1:6379");
  }
  for (const Location& location : c.uri.locations) {
    s.endpoints.push_back(RedisEndpoint{location.host, location.port, {}});
  }
  if (s.topology == Topology::kStandalone && s.endpoints.size() > 1) {
    throw ConfigurationError(uri + ": several hosts need redis+cluster:// or redis+sentinel://");
  }
}

}  // namespace

RedisSettings ParseRedisSettings(const StorageContext& context) {
  const StorageContext c = MergedOptions(context);
  RedisSettings s;
  const std::string& scheme = c.uri.scheme;
  s.topology = TopologyOf(scheme);
  const bool is_unix = EndsWith(scheme, "+unix");
  const bool tls = scheme == "rediss" || scheme == "valkeys";
  ReadEndpoints(c, s, is_unix);

  s.key_prefix = c.Option("key_prefix", "LIMITS");
  s.pool_size = static_cast<std::size_t>(c.IntOption("pool_size", 2, 1, 64));
  s.timeout = c.timeout;
  s.deny_cache_size = static_cast<std::size_t>(
      c.IntOption("deny_cache_size", 4096, 1, kMaxDenyCacheSize));
  if (!BoolOption(c, "deny_cache", true)) s.deny_cache_size = 0;
  s.session = std::make_shared<SessionOptions>();
  s.session->username = c.uri.username;
  s.session->password = c.uri.password;
  s.session->db = DatabaseOf(c, s.topology == Topology::kStandalone && !is_unix);
  s.session->connect_timeout =
      std::chrono::milliseconds(c.IntOption("connect_timeout_ms", 1000, 1, 600'000));
  s.session->stall_timeout = std::max<std::chrono::milliseconds>(
      std::chrono::milliseconds(1000),
      std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout * 10));
  if (tls) {
    s.session->tls = MakeTlsContext(c);
    s.session->tls_verify = BoolOption(c, "tls_verify", true);
  }
  if (s.topology == Topology::kCluster && s.session->db != 0) {
    throw ConfigurationError(c.uri.Redacted() + ": a Redis Cluster has only database 0");
  }
  if (s.topology == Topology::kSentinel) {
    s.service_name = c.Option("service_name", c.uri.path.size() > 1 ? c.uri.path.substr(1) : "");
    if (s.service_name.empty()) {
      throw ConfigurationError(c.uri.Redacted() + ": the sentinel service name is missing, e.g. "
                                                  "redis+sentinel://host:26379/mymaster");
    }
    s.session->require_master = true;
    s.sentinel_session = std::make_shared<SessionOptions>(*s.session);
    s.sentinel_session->db = 0;
    s.sentinel_session->require_master = false;
    if (c.options.contains("sentinel_password")) {
      s.sentinel_session->password = c.Option("sentinel_password", "");
      s.sentinel_session->username = std::nullopt;
    }
    if (c.options.contains("sentinel_username")) {
      s.sentinel_session->username = c.Option("sentinel_username", "");
    }
  }
  s.description = fmt::format("{} (key prefix '{}', {} connection(s) per thread, {})",
                              c.uri.Redacted(), s.key_prefix, s.pool_size,
                              s.deny_cache_size == 0
                                  ? std::string("no deny cache")
                                  : fmt::format("deny cache of {} per thread", s.deny_cache_size));
  return s;
}

}  // namespace limitsd::storage::redis
