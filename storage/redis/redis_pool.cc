#include "storage/redis/redis_pool.h"

namespace limitsd::storage::redis {

RedisPool::RedisPool(boost::asio::any_io_executor executor, RedisEndpoint endpoint,
                     std::shared_ptr<const SessionOptions> options, std::size_t size)
    : endpoint_(std::move(endpoint)) {
  connections_.reserve(size);
  for (std::size_t i = 0; i < std::max<std::size_t>(size, 1); ++i) {
    connections_.push_back(std::make_shared<RedisConnection>(executor, endpoint_, options));
  }
}

RedisPool::~RedisPool() { Close(); }

std::shared_ptr<RedisConnection> RedisPool::Pick() {
  const RedisConnection* best = nullptr;
  std::size_t best_index = 0;
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    const RedisConnection& c = *connections_[i];
    if (!c.Usable()) continue;
    if (best == nullptr || c.InFlight() < best->InFlight()) {
      best = &c;
      best_index = i;
    }
  }
  return connections_[best_index];
}

Task<Result<RedisReply>> RedisPool::Call(std::string_view command, Deadline deadline) {
  auto connection = Pick();
  co_return co_await connection->Call(command, deadline);
}

void RedisPool::Close() {
  for (auto& connection : connections_) connection->Close();
}

}  // namespace limitsd::storage::redis
