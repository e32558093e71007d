#pragma once
// The memcached servers of one storage: which server holds a key (consistent hashing), and
// one pipelined connection per server for each I/O executor.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "storage/memcached/hash_ring.h"
#include "storage/memcached/memcached_connection.h"
#include "storage/result.h"

namespace limitsd::storage::memcached {

/// Calls are served on the executor they are awaited from: the connections of the daemon's
/// executors (given up front) are made at construction; an executor not among them (a test's
/// io_context, say) gets its own connections on first use.
class MemcachedClient {
 public:
  MemcachedClient(std::vector<ServerAddress> servers, int virtual_nodes,
                  ConnectionOptions options,
                  const std::vector<boost::asio::any_io_executor>& executors);
  /// Closes every connection on its own executor.
  ~MemcachedClient();
  MemcachedClient(const MemcachedClient&) = delete;
  MemcachedClient& operator=(const MemcachedClient&) = delete;

  /// Sends `command` to server number `server` and awaits the reply.
  Task<Result<MemcachedReply>> Call(std::size_t server, std::string command, Deadline deadline);
  /// A `version` round trip to every server; true when all answer.
  Task<bool> CheckAll(Deadline deadline);

  /// The index of the server owning `key` (on the hash ring), and the servers.
  std::size_t ServerOf(std::string_view key) const noexcept { return ring_.Locate(key); }
  const std::vector<ServerAddress>& servers() const noexcept { return servers_; }

 private:
  struct Shard {
    const void* context = nullptr;  ///< the executor's execution context, its identity
    boost::asio::any_io_executor executor;
    std::vector<std::shared_ptr<MemcachedConnection>> connections;  ///< one per server
  };

  std::unique_ptr<Shard> MakeShard(const boost::asio::any_io_executor& executor) const;
  Shard& ShardFor(const boost::asio::any_io_executor& executor);

  std::vector<ServerAddress> servers_;
  HashRing ring_;
  ConnectionOptions options_;
  std::vector<std::unique_ptr<Shard>> fixed_shards_;  ///< read-only after construction
  std::mutex dynamic_mutex_;
  std::vector<std::unique_ptr<Shard>> dynamic_shards_;
};

}  // namespace limitsd::storage::memcached
