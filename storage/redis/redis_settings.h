#pragma once
// A Redis storage's configuration, read from its URI and options at start-up.
//
//   redis://[user:pass@]host:port[/db]          rediss:// for TLS
//   redis+unix://[user:pass@]/path/to/socket[?db=N]
//   redis+sentinel://[user:pass@]host:port[,host:port...]/service_name[?db=N]
//   redis+cluster://[user:pass@]host:port[,host:port...]
//   valkey, valkeys, valkey+unix, valkey+sentinel, valkey+cluster: the same.
//
// Options (storage.options, or the URI's query; options win): key_prefix (default LIMITS),
// pool_size (connections per I/O thread and server, default 2), connect_timeout_ms
// (default 1000), db, service_name, sentinel_username, sentinel_password (default: the URI's
// credentials), tls_ca_file, tls_cert_file, tls_key_file, tls_verify (default true; limits'
// ssl_ca_certs, ssl_certfile, ssl_keyfile and ssl_cert_reqs=none are accepted too),
// deny_cache (default true: remember fixed-window denials per I/O thread, see
// deny_cache.h), deny_cache_size (entries per I/O thread, 1 to 1000000, default 4096).

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "storage/redis/redis_endpoint.h"
#include "storage/result.h"
#include "storage/storage_context.h"

namespace limitsd::storage::redis {

enum class Topology { kStandalone, kSentinel, kCluster };

struct RedisSettings {
  Topology topology = Topology::kStandalone;
  /// The server (standalone), the sentinels, or the cluster's seed nodes.
  std::vector<RedisEndpoint> endpoints;
  std::string service_name;  ///< sentinel only
  std::shared_ptr<SessionOptions> session;           ///< for the data servers
  std::shared_ptr<SessionOptions> sentinel_session;  ///< for the sentinels
  std::string key_prefix = "LIMITS";
  std::size_t pool_size = 2;
  Micros timeout{50'000};
  std::size_t deny_cache_size = 4096;  ///< 0: no denial cache
  std::string description;  ///< the redacted URI and the main options, for logs
};

/// Throws ConfigurationError on anything it cannot use, naming the option and the fix.
RedisSettings ParseRedisSettings(const StorageContext& context);

}  // namespace limitsd::storage::redis
