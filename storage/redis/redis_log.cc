#include "storage/redis/redis_log.h"

#include <spdlog/spdlog.h>

namespace limitsd::storage::redis {

spdlog::logger& RedisLog() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("redis")) return existing;
    auto created = spdlog::default_logger()->clone("redis");
    try {
      spdlog::register_logger(created);
    } catch (const spdlog::spdlog_ex&) {
      // Registered by someone else meanwhile: use theirs.
      if (auto existing = spdlog::get("redis")) return existing;
    }
    return created;
  }();
  return *logger;
}

}  // namespace limitsd::storage::redis
