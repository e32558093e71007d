#pragma once
// A few pipelined connections to one Redis server, all on one executor.

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "storage/redis/redis_connection.h"

namespace limitsd::storage::redis {

class RedisPool {
 public:
  RedisPool(boost::asio::any_io_executor executor, RedisEndpoint endpoint,
            std::shared_ptr<const SessionOptions> options, std::size_t size);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  /// The connection for the next call: the usable one with the fewest calls in flight, so
  /// that light traffic shares one connection and gets written in larger batches.
  std::shared_ptr<RedisConnection> Pick();
  Task<Result<RedisReply>> Call(std::string_view command, Deadline deadline);
  void Close();
  const RedisEndpoint& endpoint() const noexcept { return endpoint_; }

 private:
  RedisEndpoint endpoint_;
  std::vector<std::shared_ptr<RedisConnection>> connections_;
};

}  // namespace limitsd::storage::redis
