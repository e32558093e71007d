#include "storage/redis/sentinel_router.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "storage/redis/redis_log.h"
#include "storage/storage_error.h"

namespace limitsd::storage::redis {
namespace {

namespace asio = boost::asio;
constexpr auto kResolveInterval = std::chrono::milliseconds(100);
constexpr auto kRecheckInterval = std::chrono::seconds(1);
constexpr int kAttempts = 3;

bool RefusesWrites(const redisReply& reply) {
  return IsError(reply) && ReplyText(reply).find("READONLY") != std::string_view::npos;
}

}  // namespace

SentinelRouter::SentinelRouter(asio::any_io_executor executor,
                               std::vector<RedisEndpoint> sentinels, std::string service_name,
                               std::shared_ptr<const SessionOptions> sentinel_options,
                               std::shared_ptr<const SessionOptions> master_options,
                               std::size_t pool_size)
    : executor_(executor),
      service_name_(std::move(service_name)),
      master_options_(std::move(master_options)),
      pool_size_(pool_size),
      resolved_(executor) {
  for (auto& endpoint : sentinels) {
    sentinels_.push_back(
        std::make_shared<RedisConnection>(executor, std::move(endpoint), sentinel_options));
  }
}

Task<Result<RedisReply>> SentinelRouter::Call(std::string_view, std::string_view command,
                                              Deadline deadline) {
  auto self = shared_from_this();
  Result<RedisReply> last = StorageErrc::kUnavailable;
  for (int attempt = 0; attempt < kAttempts && !closed_; ++attempt) {
    auto pool = co_await Master(deadline);
    if (!pool) co_return pool.error();
    last = co_await (*pool)->Call(command, deadline);
    const bool lost = last ? RefusesWrites(**last) : last.error() == StorageErrc::kUnavailable;
    if (!lost) co_return last;
    // The master is gone or demoted: forget it, and ask the sentinels again.
    if (master_ == (*pool)->endpoint()) master_.reset();
    if (SteadyClock::now() >= deadline) break;
  }
  if (last && RefusesWrites(**last)) co_return StorageErrc::kUnavailable;
  co_return last;
}

Task<Result<std::shared_ptr<RedisPool>>> SentinelRouter::Master(Deadline deadline) {
  while (!master_) {
    if (closed_) co_return StorageErrc::kUnavailable;
    if (resolving_) {
      if (!co_await resolved_.Wait(deadline)) co_return StorageErrc::kTimeout;
      continue;
    }
    if (SteadyClock::now() < resolve_not_before_) co_return StorageErrc::kUnavailable;
    resolving_ = true;
    auto found = co_await AskSentinels(deadline);
    resolving_ = false;
    resolve_not_before_ = SteadyClock::now() + kResolveInterval;
    recheck_at_ = SteadyClock::now() + kRecheckInterval;
    if (found && found != master_) {
      RedisLog().info("sentinels name {} as the master of {}", found->Describe(), service_name_);
    }
    master_ = found;
    resolved_.NotifyAll();
    if (!master_) co_return StorageErrc::kUnavailable;
  }
  RecheckInBackground();
  co_return PoolFor(*master_);
}

void SentinelRouter::RecheckInBackground() {
  if (resolving_ || closed_ || SteadyClock::now() < recheck_at_) return;
  resolving_ = true;
  recheck_at_ = SteadyClock::now() + kRecheckInterval;
  asio::co_spawn(
      executor_,
      [self = shared_from_this()]() -> Task<void> {
        auto found = co_await self->AskSentinels(SteadyClock::now() + kRecheckInterval);
        self->resolving_ = false;
        if (found && found != self->master_ && !self->closed_) {
          RedisLog().info("sentinels now name {} as the master of {}", found->Describe(),
                          self->service_name_);
          self->master_ = found;
        }
        self->resolved_.NotifyAll();
      },
      asio::detached);
}

Task<std::optional<RedisEndpoint>> SentinelRouter::AskSentinels(Deadline deadline) {
  const std::string command =
      FormatCommand({"SENTINEL", "get-master-addr-by-name", service_name_});
  for (std::size_t i = 0; i < sentinels_.size() && SteadyClock::now() < deadline; ++i) {
    auto& sentinel = sentinels_[(next_sentinel_ + i) % sentinels_.size()];
    auto reply = co_await sentinel->Call(command, deadline);
    if (!reply) continue;
    const redisReply& r = **reply;
    if (r.type != REDIS_REPLY_ARRAY || r.elements != 2) continue;
    const auto port = ReplyInteger(*r.element[1]);
    if (!port || *port <= 0 || *port > 65535) continue;
    next_sentinel_ = (next_sentinel_ + i) % sentinels_.size();  // stick with one that knows
    co_return RedisEndpoint{std::string(ReplyText(*r.element[0])),
                            static_cast<std::uint16_t>(*port), {}};
  }
  RedisLog().warn("no sentinel named a master for {}", service_name_);
  co_return std::nullopt;
}

std::shared_ptr<RedisPool> SentinelRouter::PoolFor(const RedisEndpoint& endpoint) {
  auto& pool = pools_[endpoint.Describe()];
  if (!pool) pool = std::make_shared<RedisPool>(executor_, endpoint, master_options_, pool_size_);
  return pool;
}

Task<Result<std::vector<std::shared_ptr<RedisPool>>>> SentinelRouter::Masters(Deadline deadline) {
  auto self = shared_from_this();
  auto pool = co_await Master(deadline);
  if (!pool) co_return pool.error();
  co_return std::vector<std::shared_ptr<RedisPool>>{*pool};
}

void SentinelRouter::Close() {
  closed_ = true;
  for (auto& sentinel : sentinels_) sentinel->Close();
  for (auto& [name, pool] : pools_) pool->Close();
  resolved_.NotifyAll();
}

}  // namespace limitsd::storage::redis
