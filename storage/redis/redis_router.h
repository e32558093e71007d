#pragma once
// Where a command goes: the topology of one Redis deployment as seen from one executor.
// A router follows cluster redirections and sentinel failovers within the call's deadline.

#include <memory>
#include <string_view>
#include <vector>

#include "storage/redis/redis_pool.h"
#include "storage/redis/redis_protocol.h"
#include "storage/result.h"

namespace limitsd::storage::redis {

class RedisRouter {
 public:
  virtual ~RedisRouter() = default;
  /// Runs one formatted command on the master that serves `slot_key` (the key whose hash
  /// slot decides the node on a cluster). An error reply from Redis is a value, not an
  /// error; redirections and failovers are handled here.
  virtual Task<Result<RedisReply>> Call(std::string_view slot_key, std::string_view command,
                                        Deadline deadline) = 0;
  /// Every master (one, except on a cluster), for PING and SCAN.
  virtual Task<Result<std::vector<std::shared_ptr<RedisPool>>>> Masters(Deadline deadline) = 0;
  /// Closes every connection; calls in flight fail. Call on the router's executor.
  virtual void Close() = 0;
};

/// One server: redis://, rediss://, redis+unix://.
class StandaloneRouter final : public RedisRouter {
 public:
  explicit StandaloneRouter(std::shared_ptr<RedisPool> pool) : pool_(std::move(pool)) {}
  Task<Result<RedisReply>> Call(std::string_view, std::string_view command,
                                Deadline deadline) override {
    return pool_->Call(command, deadline);
  }
  Task<Result<std::vector<std::shared_ptr<RedisPool>>>> Masters(Deadline) override;
  void Close() override { pool_->Close(); }

 private:
  std::shared_ptr<RedisPool> pool_;
};

}  // namespace limitsd::storage::redis
