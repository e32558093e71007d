#include "storage/redis/cluster_router.h"

#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "storage/redis/redis_log.h"
#include "storage/storage_error.h"

namespace limitsd::storage::redis {
namespace {

namespace asio = boost::asio;
constexpr int kMaxRedirections = 8;
constexpr auto kRetryPause = std::chrono::milliseconds(20);
constexpr auto kBackgroundRefreshTime = std::chrono::seconds(2);

// "MOVED 3999 127.0.0.1:6381" -> the endpoint.
std::optional<RedisEndpoint> RedirectTarget(const redisReply& reply) {
  const std::string_view text = ReplyText(reply);
  const std::size_t space = text.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return ParseHostPort(text.substr(space + 1));
}

Task<void> Pause(asio::any_io_executor executor, Deadline deadline) {
  asio::steady_timer timer(executor);
  timer.expires_at(std::min(deadline, SteadyClock::now() + kRetryPause));
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

ClusterRouter::ClusterRouter(asio::any_io_executor executor, std::vector<RedisEndpoint> seeds,
                             std::shared_ptr<const SessionOptions> options, std::size_t pool_size)
    : executor_(executor),
      seeds_(std::move(seeds)),
      options_(std::move(options)),
      pool_size_(pool_size),
      refreshed_(executor) {}

Task<Result<RedisReply>> ClusterRouter::Call(std::string_view slot_key, std::string_view command,
                                             Deadline deadline) {
  auto self = shared_from_this();
  const std::uint16_t slot = KeySlot(slot_key);
  std::optional<RedisEndpoint> ask;
  Result<RedisReply> last = StorageErrc::kUnavailable;
  for (int attempt = 0; attempt < kMaxRedirections && !closed_; ++attempt) {
    if (!ask && slots_.Owner(slot) == nullptr && !co_await Refresh(deadline)) break;
    const RedisEndpoint* owner = ask ? &*ask : slots_.Owner(slot);
    if (owner == nullptr) break;
    const RedisEndpoint target = *owner;
    last = co_await Send(target, command, ask.has_value(), deadline);
    ask.reset();
    if (!last) {
      // A node went away: maybe a failover moved its slots.
      if (last.error() == StorageErrc::kUnavailable) RefreshInBackground();
      co_return last;
    }
    const redisReply& reply = **last;
    if (ErrorIs(reply, "MOVED")) {
      if (auto to = RedirectTarget(reply)) slots_.Assign(slot, *to);
      RefreshInBackground();
    } else if (ErrorIs(reply, "ASK")) {
      ask = RedirectTarget(reply);
    } else if (ErrorIs(reply, "TRYAGAIN") || ErrorIs(reply, "CLUSTERDOWN")) {
      co_await Pause(executor_, deadline);
    } else {
      co_return last;
    }
    if (SteadyClock::now() >= deadline) co_return StorageErrc::kTimeout;
  }
  co_return last;
}

Task<Result<RedisReply>> ClusterRouter::Send(const RedisEndpoint& endpoint,
                                             std::string_view command, bool asking,
                                             Deadline deadline) {
  auto connection = PoolFor(endpoint)->Pick();
  if (!asking) co_return co_await connection->Call(command, deadline);
  static const std::string kAsking = FormatCommand({"ASKING"});
  const std::array<std::string_view, 2> commands{kAsking, command};
  auto replies = co_await connection->CallMany(commands, deadline);
  if (!replies) co_return replies.error();
  co_return std::move((*replies)[1]);
}

Task<bool> ClusterRouter::Refresh(Deadline deadline) {
  if (refreshing_) {
    co_await refreshed_.Wait(deadline);
    co_return loaded_;
  }
  refreshing_ = true;
  const bool ok = co_await LoadSlots(deadline);
  refreshing_ = false;
  refreshed_.NotifyAll();
  co_return ok;
}

Task<bool> ClusterRouter::LoadSlots(Deadline deadline) {
  static const std::string kClusterSlotsCommand = FormatCommand({"CLUSTER", "SLOTS"});
  // Known masters first (they know the latest map), then the seeds from the URI.
  std::vector<RedisEndpoint> candidates = slots_.Masters();
  candidates.insert(candidates.end(), seeds_.begin(), seeds_.end());
  for (const RedisEndpoint& node : candidates) {
    if (closed_ || SteadyClock::now() >= deadline) break;
    auto reply = co_await PoolFor(node)->Call(kClusterSlotsCommand, deadline);
    if (!reply || IsError(**reply)) continue;
    if (slots_.Load(**reply, node)) {
      loaded_ = true;
      co_return true;
    }
  }
  co_return false;
}

void ClusterRouter::RefreshInBackground() {
  if (refreshing_ || closed_) return;
  asio::co_spawn(
      executor_,
      [self = shared_from_this()]() -> Task<void> {
        if (!co_await self->Refresh(SteadyClock::now() + kBackgroundRefreshTime)) {
          RedisLog().warn("cannot refresh the cluster slot map");
        }
      },
      asio::detached);
}

std::shared_ptr<RedisPool> ClusterRouter::PoolFor(const RedisEndpoint& endpoint) {
  auto& pool = pools_[endpoint.Describe()];
  if (!pool) pool = std::make_shared<RedisPool>(executor_, endpoint, options_, pool_size_);
  return pool;
}

Task<Result<std::vector<std::shared_ptr<RedisPool>>>> ClusterRouter::Masters(Deadline deadline) {
  auto self = shared_from_this();
  if (!co_await Refresh(deadline)) co_return StorageErrc::kUnavailable;
  std::vector<std::shared_ptr<RedisPool>> pools;
  for (const RedisEndpoint& master : slots_.Masters()) pools.push_back(PoolFor(master));
  co_return pools;
}

void ClusterRouter::Close() {
  closed_ = true;
  for (auto& [name, pool] : pools_) pool->Close();
}

}  // namespace limitsd::storage::redis
