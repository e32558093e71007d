#include "storage/redis/redis_batcher.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "storage/redis/redis_script_call.h"
#include "storage/redis/redis_scripts.h"
#include "storage/storage_error.h"

namespace limitsd::storage::redis {
namespace {

namespace asio = boost::asio;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct RedisBatcher::Entry {
  explicit Entry(const asio::any_io_executor& executor) : timer(executor) {}
  TakeRequest request;
  Deadline deadline{};
  asio::steady_timer timer;  ///< the caller waits on it; cancelled when the result is in
  TakeOutcome outcome;
  std::error_code error;
  bool done = false;  ///< a result is in, or the caller gave up
};

RedisBatcher::RedisBatcher(asio::any_io_executor executor, std::shared_ptr<RedisRouter> router)
    : executor_(std::move(executor)), router_(std::move(router)) {}

RedisBatcher::~RedisBatcher() = default;

Task<Result<TakeOutcome>> RedisBatcher::Take(std::string_view key_prefix,
                                             std::span<const RateQuery> rates, std::int64_t cost,
                                             TakeMode mode, Deadline deadline) {
  std::shared_ptr<Entry> entry = Acquire();
  EncodeTakeInto(entry->request, key_prefix, rates, cost, mode);
  return Run(std::move(entry), deadline);
}

std::shared_ptr<RedisBatcher::Entry> RedisBatcher::Acquire() {
  if (spare_.empty()) return std::make_shared<Entry>(executor_);
  std::shared_ptr<Entry> entry = std::move(spare_.back());
  spare_.pop_back();
  return entry;
}

Task<Result<TakeOutcome>> RedisBatcher::Run(std::shared_ptr<Entry> entry, Deadline deadline) {
  entry->deadline = deadline;
  pending_.push_back(entry);
  if (pending_.size() >= kMaxBatch) {
    Flush();
  } else {
    ScheduleFlush();
  }
  entry->timer.expires_at(deadline);
  co_await entry->timer.async_wait(kTuple);
  Result<TakeOutcome> result = StorageErrc::kTimeout;
  if (!entry->done) {
    entry->done = true;  // a late result is dropped
  } else if (entry->error) {
    result = entry->error;
  } else {
    result = std::move(entry->outcome);
  }
  // Kept only when nothing else holds it: a batch in flight (or the pending list) still
  // holds the entry of a call that timed out, and writes into it when its reply comes.
  if (entry.use_count() == 1 && spare_.size() < kMaxBatch) {
    entry->done = false;
    entry->error = {};
    spare_.push_back(std::move(entry));
  }
  co_return result;
}

void RedisBatcher::ScheduleFlush() {
  if (flush_posted_ || in_flight_ > 0) return;
  flush_posted_ = true;
  asio::post(executor_, [self = shared_from_this()] {
    self->flush_posted_ = false;
    if (self->in_flight_ == 0) self->Flush();
  });
}

void RedisBatcher::Flush() {
  Batch batch;
  batch.reserve(pending_.size());
  for (auto& entry : pending_) {
    if (!entry->done) batch.push_back(std::move(entry));
  }
  pending_.clear();
  if (batch.empty()) return;
  ++batches_sent_;
  ++in_flight_;
  requests_sent_ += batch.size();
  asio::co_spawn(executor_, Send(std::move(batch)), asio::detached);
}

Task<Result<RedisReply>> RedisBatcher::Call(const Batch& batch) {
  std::vector<std::string_view> keys;
  std::vector<std::string_view> args;
  Deadline deadline = Deadline::min();
  std::size_t key_count = 0;
  std::size_t arg_count = 0;
  for (const auto& entry : batch) {
    key_count += entry->request.keys.size();
    arg_count += entry->request.args.size();
  }
  keys.reserve(key_count);
  args.reserve(arg_count);
  for (const auto& entry : batch) {
    keys.insert(keys.end(), entry->request.keys.begin(), entry->request.keys.end());
    args.insert(args.end(), entry->request.args.begin(), entry->request.args.end());
    deadline = std::max(deadline, entry->deadline);
  }
  co_return co_await CallScript(*router_, TakeScript(), keys, args, deadline);
}

Task<void> RedisBatcher::Send(Batch batch) {
  auto self = shared_from_this();
  std::size_t reply_size = 0;
  for (const auto& entry : batch) reply_size += TakeReplySize(entry->request.kinds);
  Result<RedisReply> reply = StorageErrc::kInternal;
  try {
    reply = co_await Call(batch);
  } catch (const std::exception&) {
    // Out of memory, most likely: every entry gets kInternal below, at once rather than
    // at its deadline, and the batcher keeps sending (a raised in_flight_ would hold
    // every later call until a full batch).
  }
  --in_flight_;
  if (!pending_.empty()) ScheduleFlush();  // what arrived during the round trip
  if (reply && ((*reply)->type != REDIS_REPLY_ARRAY || (*reply)->elements != reply_size)) {
    reply = StorageErrc::kProtocol;
  }
  std::size_t at = 0;  // the first reply element of batch[i]
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Entry& entry = *batch[i];
    const std::size_t size = TakeReplySize(entry.request.kinds);
    if (!entry.done) {
      Finish(entry, reply ? DecodeTake((*reply)->element + at, entry.request.kinds, entry.outcome)
                          : reply.error());
    }
    at += size;
  }
}

void RedisBatcher::Finish(Entry& entry, std::error_code error) {
  if (entry.done) return;
  entry.error = error;
  entry.done = true;
  entry.timer.cancel();
}

}  // namespace limitsd::storage::redis
