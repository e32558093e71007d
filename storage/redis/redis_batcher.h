#pragma once
// Gathers the TakeAll calls that meet on one executor into one EVALSHA of the take script.
//
// Redis pays a fixed cost per script call (dispatch, Lua call set-up, reply), so calls
// that arrive during one turn of the event loop share one: the first caller posts a flush,
// and every call queued before it runs joins the batch (at most kMaxBatch; a full batch is
// sent at once). While a batch is in flight, calls wait for its reply and then leave
// together in the next one, so that under load a batch carries what arrived during one
// round trip rather than during one turn. A batch of one is an ordinary single call. Each
// request stays atomic and all-or-nothing inside the script, and the whole batch runs
// atomically on the server.
//
// Only for deployments where every key lives on one master (standalone, sentinel): on a
// cluster, different requests' keys live in different slots.
//
// Each call keeps its own deadline: at its deadline it returns kTimeout, and its request,
// if already sent, may still run (and count), like any call that times out. An error reply
// (or a lost connection, a timeout of the whole batch) fails every request of that batch
// with the error code a single call gets.
//
// Lives on one single-threaded executor; Take() must be awaited there.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "storage/capabilities.h"
#include "storage/redis/redis_router.h"
#include "storage/redis/redis_take_request.h"
#include "storage/result.h"

namespace limitsd::storage::redis {

class RedisBatcher : public std::enable_shared_from_this<RedisBatcher> {
 public:
  static constexpr std::size_t kMaxBatch = 256;

  RedisBatcher(boost::asio::any_io_executor executor, std::shared_ptr<RedisRouter> router);
  ~RedisBatcher();
  RedisBatcher(const RedisBatcher&) = delete;
  RedisBatcher& operator=(const RedisBatcher&) = delete;

  /// Runs the request EncodeTake would make in the next batch; kTimeout at `deadline`. The
  /// request is encoded now (the views need not outlive the call), into the entry of an
  /// earlier take when one is free: no allocation for the entry, its timer or its keys.
  Task<Result<TakeOutcome>> Take(std::string_view key_prefix, std::span<const RateQuery> rates,
                                 std::int64_t cost, TakeMode mode, Deadline deadline);

  /// Batches sent and requests they carried, for tests and metrics.
  std::size_t batches_sent() const noexcept { return batches_sent_; }
  std::size_t requests_sent() const noexcept { return requests_sent_; }

 private:
  struct Entry;
  using Batch = std::vector<std::shared_ptr<Entry>>;

  /// A free entry: one an earlier take finished with, or a new one.
  std::shared_ptr<Entry> Acquire();
  /// Queues `entry` for the next batch and awaits its result or `deadline`; then keeps the
  /// entry for a later take unless a batch still holds it (a caller that timed out).
  Task<Result<TakeOutcome>> Run(std::shared_ptr<Entry> entry, Deadline deadline);
  /// Posts a flush unless one is posted or a batch is in flight.
  void ScheduleFlush();
  /// Sends what is pending (skipping calls that timed out already).
  void Flush();
  /// Sends `batch` as one script call and hands each entry its result. Whatever happens,
  /// even an exception, the batch stops counting as in flight and its entries are finished.
  Task<void> Send(Batch batch);
  /// The script call of `batch`: its keys and arguments, one after the other.
  Task<Result<RedisReply>> Call(const Batch& batch);
  /// Hands the entry its result (already in entry.outcome unless `error`).
  static void Finish(Entry& entry, std::error_code error);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<RedisRouter> router_;
  Batch pending_;
  Batch spare_;  ///< entries of finished takes, at most kMaxBatch
  bool flush_posted_ = false;
  std::size_t in_flight_ = 0;  ///< batches sent and not yet answered
  std::size_t batches_sent_ = 0;
  std::size_t requests_sent_ = 0;
};

}  // namespace limitsd::storage::redis
