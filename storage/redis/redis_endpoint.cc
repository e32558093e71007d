#include "storage/redis/redis_endpoint.h"

namespace limitsd::storage::redis {

std::string RedisEndpoint::Describe() const {
  if (IsUnix()) return "unix:" + unix_path;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

}  // namespace limitsd::storage::redis
