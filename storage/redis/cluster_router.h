#pragma once
// redis+cluster://: commands go to the master of their key's slot. The slot map comes from
// CLUSTER SLOTS (asked of any known node), MOVED updates it at once and refreshes it in
// the background, ASK sends ASKING and the command to the importing node, TRYAGAIN and
// CLUSTERDOWN are retried while the deadline allows.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "storage/redis/cluster_slots.h"
#include "storage/redis/redis_router.h"
#include "storage/redis/wait_list.h"

namespace limitsd::storage::redis {

class ClusterRouter final : public RedisRouter,
                            public std::enable_shared_from_this<ClusterRouter> {
 public:
  ClusterRouter(boost::asio::any_io_executor executor, std::vector<RedisEndpoint> seeds,
                std::shared_ptr<const SessionOptions> options, std::size_t pool_size);

  Task<Result<RedisReply>> Call(std::string_view slot_key, std::string_view command,
                                Deadline deadline) override;
  Task<Result<std::vector<std::shared_ptr<RedisPool>>>> Masters(Deadline deadline) override;
  void Close() override;

 private:
  /// Runs the command once on `endpoint` (after ASKING when `asking`).
  Task<Result<RedisReply>> Send(const RedisEndpoint& endpoint, std::string_view command,
                                bool asking, Deadline deadline);
  /// Reloads the slot map; concurrent callers share one refresh. False when no node
  /// answered with a map before the deadline.
  Task<bool> Refresh(Deadline deadline);
  Task<bool> LoadSlots(Deadline deadline);
  void RefreshInBackground();
  std::shared_ptr<RedisPool> PoolFor(const RedisEndpoint& endpoint);

  boost::asio::any_io_executor executor_;
  std::vector<RedisEndpoint> seeds_;
  std::shared_ptr<const SessionOptions> options_;
  std::size_t pool_size_;
  ClusterSlotMap slots_;
  bool loaded_ = false;
  bool refreshing_ = false;
  WaitList refreshed_;
  std::map<std::string, std::shared_ptr<RedisPool>> pools_;  ///< by endpoint
  bool closed_ = false;
};

}  // namespace limitsd::storage::redis
