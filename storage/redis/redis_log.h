#pragma once
// The Redis backend's named logger ("redis"), sharing the default logger's sinks.

#include <memory>

#include <spdlog/logger.h>

namespace limitsd::storage::redis {

spdlog::logger& RedisLog();

}  // namespace limitsd::storage::redis
