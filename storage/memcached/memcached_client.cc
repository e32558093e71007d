#include "storage/memcached/memcached_client.h"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/this_coro.hpp>

namespace limitsd::storage::memcached {
namespace asio = boost::asio;
namespace {

std::vector<std::string> NamesOf(const std::vector<ServerAddress>& servers) {
  std::vector<std::string> names;
  names.reserve(servers.size());
  for (const ServerAddress& s : servers) names.push_back(s.Name());
  return names;
}

const void* ContextOf(const asio::any_io_executor& executor) {
  return &asio::query(executor, asio::execution::context);
}

}  // namespace

MemcachedClient::MemcachedClient(std::vector<ServerAddress> servers, int virtual_nodes,
                                 ConnectionOptions options,
                                 const std::vector<asio::any_io_executor>& executors)
    : servers_(std::move(servers)), ring_(NamesOf(servers_), virtual_nodes), options_(options) {
  for (const asio::any_io_executor& executor : executors) {
    fixed_shards_.push_back(MakeShard(executor));
  }
}

MemcachedClient::~MemcachedClient() {
  const auto close_all = [](const std::vector<std::unique_ptr<Shard>>& shards) {
    for (const auto& shard : shards) {
      for (const auto& connection : shard->connections) {
        asio::post(shard->executor, [connection] { connection->Close(); });
      }
    }
  };
  close_all(fixed_shards_);
  std::lock_guard lock(dynamic_mutex_);
  close_all(dynamic_shards_);
}

std::unique_ptr<MemcachedClient::Shard> MemcachedClient::MakeShard(
    const asio::any_io_executor& executor) const {
  auto shard = std::make_unique<Shard>();
  shard->context = ContextOf(executor);
  shard->executor = executor;
  for (const ServerAddress& server : servers_) {
    shard->connections.push_back(
        std::make_shared<MemcachedConnection>(executor, server, options_));
  }
  return shard;
}

MemcachedClient::Shard& MemcachedClient::ShardFor(const asio::any_io_executor& executor) {
  const void* context = ContextOf(executor);
  for (const auto& shard : fixed_shards_) {
    if (shard->context == context) return *shard;
  }
  std::lock_guard lock(dynamic_mutex_);
  for (const auto& shard : dynamic_shards_) {
    if (shard->context == context) return *shard;
  }
  dynamic_shards_.push_back(MakeShard(executor));
  return *dynamic_shards_.back();
}

Task<Result<MemcachedReply>> MemcachedClient::Call(std::size_t server, std::string command,
                                                   Deadline deadline) {
  Shard& shard = ShardFor(co_await asio::this_coro::executor);
  const std::shared_ptr<MemcachedConnection> connection = shard.connections.at(server);
  co_return co_await connection->Call(std::move(command), deadline);
}

Task<bool> MemcachedClient::CheckAll(Deadline deadline) {
  Shard& shard = ShardFor(co_await asio::this_coro::executor);
  bool all = true;
  // One server after the other: a health check is rare, and each is bounded by the deadline.
  for (const std::shared_ptr<MemcachedConnection>& connection : shard.connections) {
    const Result<MemcachedReply> reply = co_await connection->Call("version\r\n", deadline);
    all = all && reply && reply->status.starts_with("VERSION ");
  }
  co_return all;
}

}  // namespace limitsd::storage::memcached
