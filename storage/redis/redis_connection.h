#pragma once
// One pipelined connection to one Redis server, living on one single-threaded executor.
//
// Any number of callers may have commands in flight: commands queued during one turn of
// the event loop go out in one write, and replies are matched to callers in FIFO order.
// Each call has a deadline; a caller that times out gets kTimeout and its reply, when it
// comes, is discarded without disturbing the others. The connection opens lazily; after a
// failed attempt it backs off (50 ms doubling to 1 s), failing calls fast with kUnavailable
// meanwhile, and tries again on the next call once the back-off is over.

#include <hiredis/hiredis.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/container/small_vector.hpp>

#include "storage/redis/redis_endpoint.h"
#include "storage/redis/redis_protocol.h"
#include "storage/redis/redis_stream.h"
#include "storage/redis/wait_list.h"
#include "storage/result.h"

namespace limitsd::storage::redis {

using ReplyList = boost::container::small_vector<RedisReply, 1>;

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  /// Commands a connection accepts in flight before failing calls with kOverloaded.
  static constexpr std::size_t kMaxInFlight = 100'000;

  RedisConnection(boost::asio::any_io_executor executor, RedisEndpoint endpoint,
                  std::shared_ptr<const SessionOptions> options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Sends one formatted command (see FormatCommand) and awaits its reply. The bytes must
  /// stay valid until the call completes. Errors: kUnavailable, kTimeout, kOverloaded.
  Task<Result<RedisReply>> Call(std::string_view command, Deadline deadline);
  /// Sends several commands back to back (nothing else in between) and awaits every reply.
  Task<Result<ReplyList>> CallMany(std::span<const std::string_view> commands, Deadline deadline);

  /// Fails what is in flight and refuses further calls (kUnavailable). Call on the executor.
  void Close();
  /// Whether the session is up (or being opened) rather than backing off or closed.
  bool Usable() const noexcept;
  std::size_t InFlight() const noexcept { return pending_.size(); }
  const RedisEndpoint& endpoint() const noexcept { return endpoint_; }

 private:
  enum class State { kIdle, kConnecting, kReady, kBackoff, kClosed };
  struct Session;
  struct ReplyWaiter;

  void StartConnect();
  Task<void> Open(std::shared_ptr<Session> session);
  Task<Result<void>> Handshake(Session& session);
  Task<Result<RedisReply>> ReadOne(Session& session);
  Task<void> ReadLoop(std::shared_ptr<Session> session);
  Task<void> WriteLoop(std::shared_ptr<Session> session);
  void Deliver(RedisReply reply);
  /// Ends `session` (if still current) and fails every call in flight.
  void Drop(const std::shared_ptr<Session>& session, std::string_view why);
  void FailPending(std::error_code error);
  /// Called when a call times out: drops the session if the oldest reply is overdue.
  void DropIfStalled();

  boost::asio::any_io_executor executor_;
  RedisEndpoint endpoint_;
  std::shared_ptr<const SessionOptions> options_;
  State state_ = State::kIdle;
  std::shared_ptr<Session> session_;
  std::string out_;  ///< commands waiting for the next write
  std::deque<std::shared_ptr<ReplyWaiter>> pending_;
  WaitList ready_waiters_;
  SteadyClock::duration backoff_{0};
  Deadline retry_at_{};
};

}  // namespace limitsd::storage::redis
