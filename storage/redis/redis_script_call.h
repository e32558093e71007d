#pragma once
// Running a script (redis_scripts.h) through a router: EVALSHA, and EVAL when the server
// answers NOSCRIPT (first use, a restart, SCRIPT FLUSH), so that NOSCRIPT never reaches a
// caller. Redis' error replies become error codes here, and are logged.

#include <span>
#include <string_view>
#include <system_error>

#include "storage/redis/redis_protocol.h"
#include "storage/redis/redis_router.h"
#include "storage/redis/redis_scripts.h"
#include "storage/result.h"

namespace limitsd::storage::redis {

/// kUnavailable for errors that mean "the server cannot serve right now" (LOADING,
/// MASTERDOWN, CLUSTERDOWN, TRYAGAIN, BUSY), kProtocol for the others.
std::error_code ErrorReplyCode(const redisReply& reply) noexcept;

/// Runs `script` with `keys` and `args` on the master of `keys.front()` (not empty). The
/// reply is never an error reply.
Task<Result<RedisReply>> CallScript(RedisRouter& router, const RedisScript& script,
                                    std::span<const std::string_view> keys,
                                    std::span<const std::string_view> args, Deadline deadline);

}  // namespace limitsd::storage::redis
