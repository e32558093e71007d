#pragma once
// One client connection: reads what the client sends, answers every complete request in
// order, and writes the replies of one read in one write. Pinned to its worker's thread.
// Plain or TLS (server.tls, TCP addresses only): the same code reads and writes through a
// ClientStream.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "protocol/request_parser.h"
#include "server/client_stream.h"
#include "server/read_buffer.h"
#include "server/request_handler.h"
#include "server/session.h"
#include "storage/result.h"

namespace limitsd::server {

class Worker;

class Connection final : public Session, public std::enable_shared_from_this<Connection> {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;

  /// `tls_allowed`: a TCP connection, which speaks TLS when the worker's configuration has
  /// server.tls (unix sockets never do).
  Connection(Socket socket, Worker& worker, std::uint64_t id, bool tls_allowed = false);

  /// Starts serving (registers with the worker); call on the worker's thread.
  void Start();
  /// Answers the requests the client sent before the call (read or still in the kernel),
  /// writes their replies, then closes.
  void Shutdown() override;

 private:
  enum class Next { kRead, kClose, kHalfClose };

  // Where the answering of one input stands (connection.cc).
  struct Pass;

  storage::Task<void> Run();
  bool AnswerAtOnce(std::string& out, Pass& pass);
  storage::Task<Next> ProcessInput(std::string& out, Pass& pass);
  const protocol::ParseResult& NextResult(Pass& pass);
  bool YieldBeforeRead(bool answered, bool busy) noexcept;
  bool ReadAfterYield(std::span<char> room, std::size_t& n, boost::system::error_code& ec);
  void AnswerError(const protocol::ParseError& error, std::string& target, Next& next);
  storage::Task<void> Drain();
  void Watchdog();
  void Touch(std::chrono::milliseconds timeout);
  void Touch(std::chrono::milliseconds timeout, std::chrono::steady_clock::time_point now);
  void CountLatency(std::chrono::steady_clock::time_point read_at);
  bool HasUnread();
  void Close();

  ClientStream<Socket> stream_;
  Worker& worker_;
  std::uint64_t id_;
  protocol::RequestParser parser_;
  ReadBuffer input_;
  ClientState client_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  std::array<std::uint64_t, 2> answered_{};  // requests of this read, line and RESP
  std::uint64_t read_mark_ = 0;  // the thread's count of inputs read at this one's last read
  std::uint8_t yield_backoff_ = 0;  // busy reads to skip the yield on after one found nothing
  std::uint8_t yield_skips_ = 0;    // of those, the ones left
  bool reading_ = false;
  bool stopping_ = false;
  bool closed_ = false;
};

}  // namespace limitsd::server
