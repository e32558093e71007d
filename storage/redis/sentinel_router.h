#pragma once
// redis+sentinel://: the master of `service_name`, as the sentinels name it. The address is
// asked again when the master stops answering, refuses writes (READONLY) or turns out not
// to be a master (every session checks ROLE), so a failover is followed without a restart;
// at most one resolution per 100 ms, shared by every waiting caller. While the master
// answers, the sentinels are still asked again in the background once a second: after a
// failover the old master may keep accepting writes until the sentinels demote it, and
// those writes would be lost when it resyncs from the new one.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "storage/redis/redis_router.h"
#include "storage/redis/wait_list.h"

namespace limitsd::storage::redis {

class SentinelRouter final : public RedisRouter,
                             public std::enable_shared_from_this<SentinelRouter> {
 public:
  SentinelRouter(boost::asio::any_io_executor executor, std::vector<RedisEndpoint> sentinels,
                 std::string service_name, std::shared_ptr<const SessionOptions> sentinel_options,
                 std::shared_ptr<const SessionOptions> master_options, std::size_t pool_size);

  Task<Result<RedisReply>> Call(std::string_view slot_key, std::string_view command,
                                Deadline deadline) override;
  Task<Result<std::vector<std::shared_ptr<RedisPool>>>> Masters(Deadline deadline) override;
  void Close() override;

 private:
  /// The current master's pool, resolving it first when unknown.
  Task<Result<std::shared_ptr<RedisPool>>> Master(Deadline deadline);
  Task<std::optional<RedisEndpoint>> AskSentinels(Deadline deadline);
  /// Re-asks the sentinels without blocking any call, when the last answer is old.
  void RecheckInBackground();
  std::shared_ptr<RedisPool> PoolFor(const RedisEndpoint& endpoint);

  boost::asio::any_io_executor executor_;
  std::string service_name_;
  std::shared_ptr<const SessionOptions> master_options_;
  std::size_t pool_size_;
  std::vector<std::shared_ptr<RedisConnection>> sentinels_;
  std::size_t next_sentinel_ = 0;
  std::optional<RedisEndpoint> master_;
  Deadline resolve_not_before_{};
  Deadline recheck_at_{};
  bool resolving_ = false;
  WaitList resolved_;
  std::map<std::string, std::shared_ptr<RedisPool>> pools_;  ///< by endpoint
  bool closed_ = false;
};

}  // namespace limitsd::storage::redis
