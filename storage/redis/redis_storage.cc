#include "storage/redis/redis_storage.h"

#include <algorithm>
#include <limits>
#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/container/small_vector.hpp>

#include "storage/redis/cluster_router.h"
#include "storage/redis/redis_log.h"
#include "storage/redis/redis_script_call.h"
#include "storage/redis/sentinel_router.h"
#include "storage/storage_error.h"
#include "storage/storage_registry.h"

namespace limitsd::storage::redis {
namespace {

using ArgList = boost::container::small_vector<std::string_view, 16>;

std::string ToMillis(Micros us) {
  return std::to_string(std::max<std::int64_t>(1, (us.count() + 999) / 1000));
}

}  // namespace

RedisStorage::RedisStorage(const StorageContext& context) : settings_(ParseRedisSettings(context)) {
  for (const auto& executor : context.executors) slots_.push_back(MakeSlot(executor));
  RedisLog().info("redis storage: {}", settings_.description);
}

RedisStorage::~RedisStorage() {
  // Each router lives on its executor: close it there (or when that executor runs next).
  auto close = [](ExecutorSlot& slot) {
    boost::asio::dispatch(slot.executor, [router = slot.router] { router->Close(); });
  };
  for (auto& slot : slots_) close(slot);
  std::lock_guard lock(extra_mutex_);
  for (auto& slot : extra_slots_) close(slot);
}

std::uint64_t RedisStorage::DenyCacheHits() const {
  std::uint64_t hits = 0;
  for (const ExecutorSlot& slot : slots_) hits += slot.deny_cache ? slot.deny_cache->hits() : 0;
  std::lock_guard lock(extra_mutex_);
  for (const ExecutorSlot& slot : extra_slots_) hits += slot.deny_cache ? slot.deny_cache->hits() : 0;
  return hits;
}

RedisStorage::ExecutorSlot RedisStorage::MakeSlot(
    const boost::asio::any_io_executor& executor) const {
  ExecutorSlot slot{executor, MakeRouter(executor), nullptr};
  if (settings_.topology != Topology::kCluster) {
    slot.batcher = std::make_shared<RedisBatcher>(executor, slot.router);
  }
  if (settings_.deny_cache_size > 0) {
    slot.deny_cache = std::make_shared<DenyCache>(settings_.deny_cache_size);
  }
  return slot;
}

std::shared_ptr<RedisRouter> RedisStorage::MakeRouter(
    const boost::asio::any_io_executor& executor) const {
  const auto& s = settings_;
  switch (s.topology) {
    case Topology::kCluster:
      return std::make_shared<ClusterRouter>(executor, s.endpoints, s.session, s.pool_size);
    case Topology::kSentinel:
      return std::make_shared<SentinelRouter>(executor, s.endpoints, s.service_name,
                                              s.sentinel_session, s.session, s.pool_size);
    case Topology::kStandalone: break;
  }
  return std::make_shared<StandaloneRouter>(
      std::make_shared<RedisPool>(executor, s.endpoints.front(), s.session, s.pool_size));
}

const RedisStorage::ExecutorSlot& RedisStorage::SlotOf(
    const boost::asio::any_io_executor& executor) {
  for (const auto& slot : slots_) {
    if (slot.executor == executor) return slot;
  }
  std::lock_guard lock(extra_mutex_);
  for (const auto& slot : extra_slots_) {
    if (slot.executor == executor) return slot;
  }
  extra_slots_.push_back(MakeSlot(executor));
  return extra_slots_.back();
}

Task<RedisRouter*> RedisStorage::CurrentRouter() {
  const auto executor = co_await boost::asio::this_coro::executor;
  co_return SlotOf(executor).router.get();
}

std::string RedisStorage::FullKey(std::string_view key) const {
  std::string full;
  full.reserve(settings_.key_prefix.size() + 1 + key.size());
  full.append(settings_.key_prefix).push_back(':');
  full.append(key);
  return full;
}

Deadline RedisStorage::CallDeadline() const {
  return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(settings_.timeout);
}

Task<Result<RedisReply>> RedisStorage::Command(std::string_view slot_key,
                                               std::span<const std::string_view> args) {
  RedisRouter* router = co_await CurrentRouter();
  const std::string command = FormatCommand(args);
  auto reply = co_await router->Call(slot_key, command, CallDeadline());
  if (!reply) co_return reply;
  if (IsError(**reply)) {
    const std::error_code code = ErrorReplyCode(**reply);
    if (code != StorageErrc::kUnavailable) {
      RedisLog().warn("{} failed: {}", args.front(), ReplyText(**reply));
    }
    co_return code;
  }
  co_return reply;
}

Task<Result<RedisReply>> RedisStorage::RunScript(const RedisScript& script,
                                                 std::span<const std::string_view> keys,
                                                 std::span<const std::string_view> args) {
  RedisRouter* router = co_await CurrentRouter();
  co_return co_await CallScript(*router, script, keys, args, CallDeadline());
}

Task<Result<std::int64_t>> RedisStorage::Incr(std::string_view key, Micros expiry,
                                              std::int64_t amount) {
  const std::string full = FullKey(key);
  const std::string ms = ToMillis(expiry);
  const std::string by = std::to_string(amount);
  const std::array<std::string_view, 1> keys{full};
  const std::array<std::string_view, 2> args{ms, by};
  auto reply = co_await RunScript(IncrScript(), keys, args);
  if (!reply) co_return reply.error();
  if (auto value = ReplyInteger(**reply)) co_return *value;
  co_return StorageErrc::kProtocol;
}

Task<Result<void>> RedisStorage::Decr(std::string_view key, std::int64_t amount) {
  const std::string full = FullKey(key);
  const std::string by = std::to_string(amount);
  const std::array<std::string_view, 1> keys{full};
  const std::array<std::string_view, 1> args{by};
  auto reply = co_await RunScript(DecrScript(), keys, args);
  generations_.BumpKey(key);  // even on a timeout: the command may have run
  if (!reply) co_return reply.error();
  co_return Result<void>{};
}

Task<Result<std::int64_t>> RedisStorage::Get(std::string_view key) {
  const std::string full = FullKey(key);
  const std::array<std::string_view, 2> args{"GET", full};
  auto reply = co_await Command(full, args);
  if (!reply) co_return reply.error();
  if ((*reply)->type == REDIS_REPLY_NIL) co_return std::int64_t{0};
  if (auto value = ReplyInteger(**reply)) co_return *value;
  co_return StorageErrc::kProtocol;
}

Task<Result<Micros>> RedisStorage::GetExpiry(std::string_view key) {
  const std::string full = FullKey(key);
  const std::array<std::string_view, 2> args{"PTTL", full};
  auto reply = co_await Command(full, args);
  if (!reply) co_return reply.error();
  const auto ms = ReplyInteger(**reply);
  if (!ms) co_return StorageErrc::kProtocol;
  co_return Micros{std::max<std::int64_t>(*ms, 0) * 1000};
}

Task<Result<void>> RedisStorage::Clear(std::string_view key) {
  const std::string full = FullKey(key);
  const std::array<std::string_view, 2> args{"DEL", full};
  auto reply = co_await Command(full, args);
  generations_.BumpKey(key);  // even on a timeout: the command may have run
  if (!reply) co_return reply.error();
  co_return Result<void>{};
}

Task<Result<void>> RedisStorage::ClearSlidingWindow(std::string_view key, Micros) {
  co_return co_await Clear(key);
}

Task<Result<TakeOutcome>> RedisStorage::TakeAll(std::span<const RateQuery> rates,
                                                std::int64_t cost, TakeMode mode) {
  if (rates.empty()) co_return TakeOutcome{};
  const auto executor = co_await boost::asio::this_coro::executor;
  const ExecutorSlot& slot = SlotOf(executor);
  DenyCache* cache = slot.deny_cache.get();
  if (cache == nullptr || !DenyCache::Cacheable(rates)) {
    co_return co_await SendTake(slot, rates, cost, mode);
  }
  const Deadline sent = SteadyClock::now();
  if (auto known = cache->Find(rates, cost, generations_, sent)) co_return std::move(*known);
  const bool take = mode != TakeMode::kPeek;
  std::optional<DenyCache::TakeInFlight> in_flight;
  if (take) in_flight.emplace(*cache, rates);
  const std::uint64_t stamp = generations_.Stamp(rates);  // before the request leaves
  Result<TakeOutcome> outcome = co_await SendTake(slot, rates, cost, mode);
  if (outcome && !outcome->taken) {
    cache->Remember(rates, cost, *outcome, stamp, sent, SteadyClock::now());
  }
  // A take that happened (or may have, on an error) makes every remembered state of these
  // rates stale, on every thread, including denials whose script ran before it.
  if (take && (!outcome || outcome->taken)) generations_.BumpRates(rates);
  co_return outcome;
}

Task<Result<TakeOutcome>> RedisStorage::SendTake(const ExecutorSlot& slot,
                                                 std::span<const RateQuery> rates,
                                                 std::int64_t cost, TakeMode mode) {
  if (slot.batcher)
    return slot.batcher->Take(settings_.key_prefix, rates, cost, mode, CallDeadline());
  return TakeAlone(*slot.router, EncodeTake(settings_.key_prefix, rates, cost, mode));
}

Task<Result<TakeOutcome>> RedisStorage::TakeAlone(RedisRouter& router, TakeRequest request) {
  const ArgList keys(request.keys.begin(), request.keys.end());
  const ArgList args(request.args.begin(), request.args.end());
  auto reply = co_await CallScript(router, TakeScript(), keys, args, CallDeadline());
  if (!reply) co_return reply.error();
  const redisReply& r = **reply;
  if (r.type != REDIS_REPLY_ARRAY || r.elements != TakeReplySize(request.kinds)) {
    co_return StorageErrc::kProtocol;
  }
  TakeOutcome outcome;
  if (auto error = DecodeTake(r.element, request.kinds, outcome)) co_return error;
  co_return outcome;
}

Task<Result<bool>> RedisStorage::AcquireEntry(std::string_view key, std::int64_t limit,
                                              Micros expiry, std::int64_t amount) {
  const RateQuery rate{key, StrategyKind::kMovingWindow, limit, expiry};
  auto outcome = co_await TakeAll(std::span(&rate, 1), amount, TakeMode::kHit);
  if (!outcome) co_return Result<bool>(boost::system::in_place_error, outcome.error());
  co_return outcome->taken;
}

Task<Result<MovingWindowState>> RedisStorage::GetMovingWindow(std::string_view key,
                                                              std::int64_t limit, Micros expiry,
                                                              std::int64_t amount) {
  const RateQuery rate{key, StrategyKind::kMovingWindow, limit, expiry};
  auto outcome = co_await TakeAll(std::span(&rate, 1), amount, TakeMode::kPeek);
  if (!outcome) co_return outcome.error();
  co_return std::get<MovingWindowState>(outcome->states.front());
}

Task<Result<bool>> RedisStorage::AcquireSlidingWindowEntry(std::string_view key,
                                                           std::int64_t limit, Micros expiry,
                                                           std::int64_t amount) {
  const RateQuery rate{key, StrategyKind::kSlidingWindowCounter, limit, expiry};
  auto outcome = co_await TakeAll(std::span(&rate, 1), amount, TakeMode::kHit);
  if (!outcome) co_return Result<bool>(boost::system::in_place_error, outcome.error());
  co_return outcome->taken;
}

Task<Result<SlidingWindowState>> RedisStorage::GetSlidingWindow(std::string_view key,
                                                                Micros expiry) {
  // Peeking takes nothing, so the limit does not matter.
  const RateQuery rate{key, StrategyKind::kSlidingWindowCounter,
                       std::numeric_limits<std::int32_t>::max(), expiry};
  auto outcome = co_await TakeAll(std::span(&rate, 1), 0, TakeMode::kPeek);
  if (!outcome) co_return outcome.error();
  co_return std::get<SlidingWindowState>(outcome->states.front());
}

Task<Result<bool>> RedisStorage::AcquireGcra(std::string_view key, std::int64_t burst,
                                             Micros interval, std::int64_t amount) {
  const RateQuery rate{key, StrategyKind::kGcra, burst, Micros{0}, interval};
  auto outcome = co_await TakeAll(std::span(&rate, 1), amount, TakeMode::kHit);
  if (!outcome) co_return Result<bool>(boost::system::in_place_error, outcome.error());
  co_return outcome->taken;
}

Task<Result<GcraState>> RedisStorage::GetGcra(std::string_view key) {
  // Peeking takes nothing, so the bucket's size and interval do not matter.
  const RateQuery rate{key, StrategyKind::kGcra, 1, Micros{0}, Micros{1}};
  auto outcome = co_await TakeAll(std::span(&rate, 1), 0, TakeMode::kPeek);
  if (!outcome) co_return outcome.error();
  co_return std::get<GcraState>(outcome->states.front());
}

Task<bool> RedisStorage::Check() {
  RedisRouter* router = co_await CurrentRouter();
  const Deadline deadline = CallDeadline();
  auto masters = co_await router->Masters(deadline);
  if (!masters || masters->empty()) co_return false;
  static const std::string kPing = FormatCommand({"PING"});
  for (const auto& pool : *masters) {
    auto reply = co_await pool->Call(kPing, deadline);
    if (!reply || ReplyText(**reply) != "PONG") co_return false;
  }
  co_return true;
}

LIMITSD_REGISTER_STORAGE(RedisStorage);

}  // namespace limitsd::storage::redis
