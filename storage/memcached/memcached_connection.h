#pragma once
// One pipelined connection to one memcached server, bound to one executor.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "storage/memcached/memcached_reply.h"
#include "storage/result.h"

namespace limitsd::storage::memcached {

using Deadline = std::chrono::steady_clock::time_point;

/// Where a server listens: host and port, or a Unix socket path.
struct ServerAddress {
  std::string host;
  std::uint16_t port = 0;
  std::string unix_path;  ///< when set, host and port are ignored
  /// "host:port" or the path: the server's name on the hash ring and in logs.
  std::string Name() const;
};

struct ConnectionOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds backoff_initial{50};  ///< first pause after a failure
  std::chrono::milliseconds backoff_max{1000};    ///< pauses double up to this
  std::size_t max_pending = 10'000;               ///< calls queued or awaiting replies
};

/// Every call's command is queued and written with the others queued meanwhile (one write
/// per batch); replies are matched to calls in order. A call that passes its deadline gets
/// kTimeout and its late reply is read and dropped, so the others stay in step.
///
/// Not thread-safe: use it only from its executor (a single-threaded io_context). It
/// connects on first use; after a failure every waiting call fails with kUnavailable and
/// calls fail fast until a back-off pause (doubling up to backoff_max) has passed, then the
/// next call reconnects.
class MemcachedConnection : public std::enable_shared_from_this<MemcachedConnection> {
 public:
  MemcachedConnection(boost::asio::any_io_executor executor, ServerAddress address,
                      ConnectionOptions options);

  /// Sends `command` (complete, "\r\n"-terminated, with its data block if any) and awaits
  /// its reply until `deadline`. Awaited from this connection's executor only.
  Task<Result<MemcachedReply>> Call(std::string command, Deadline deadline);

  /// Closes for good: waiting calls fail with kUnavailable, later calls too.
  void Close();

  const ServerAddress& address() const noexcept { return address_; }

 private:
  enum class State : std::uint8_t { kIdle, kConnecting, kOpen, kClosed };
  struct Pending {
    Pending(std::string c, const boost::asio::any_io_executor& ex)
        : command(std::move(c)), timer(ex) {}
    std::string command;
    std::optional<Result<MemcachedReply>> result;
    boost::asio::steady_timer timer;  ///< wakes the caller: deadline or cancel on completion
    bool abandoned = false;           ///< the caller gave up; drop its reply
  };
  using PendingPtr = std::shared_ptr<Pending>;

  static void Complete(Pending& p, Result<MemcachedReply> result);
  Task<void> Connect(std::uint64_t generation);
  Task<std::error_code> OpenSocket();
  void OnConnected();
  void StartWriting();
  Task<void> WriteLoop(std::uint64_t generation);
  Task<void> ReadLoop(std::uint64_t generation);
  // Dispatches the complete replies at the front of `buffer`; false on a broken stream.
  bool DispatchReplies(std::string& buffer);
  void Fail(std::error_code reason);

  boost::asio::any_io_executor executor_;
  ServerAddress address_;
  ConnectionOptions options_;
  boost::asio::generic::stream_protocol::socket socket_;
  State state_ = State::kIdle;
  std::uint64_t generation_ = 0;  ///< bumped on every close, so stale loops stop
  bool writing_ = false;
  std::chrono::milliseconds backoff_;
  Deadline retry_at_{};
  std::deque<PendingPtr> to_write_;
  std::deque<PendingPtr> in_flight_;
};

}  // namespace limitsd::storage::memcached
