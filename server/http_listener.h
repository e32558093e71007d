#pragma once
// Accepts connections on http.listen and hands each to the next worker, in turn, as an
// HttpSession. Connections count against server.max_connections together with the line
// protocol's: one beyond it gets 503 (code overloaded, Retry-After) and is closed.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/config.h"
#include "server/http_router.h"
#include "server/http_session.h"
#include "server/worker.h"
#include "storage/result.h"

namespace limitsd::server {

class HttpListener {
 public:
  /// `workers` run on the pool's contexts; the acceptor runs on `io`. `router` must be
  /// complete, and outlive the listener and its sessions.
  HttpListener(boost::asio::io_context& io, std::vector<Worker*> workers,
               std::uint32_t max_connections, const HttpRouter& router, HttpSettings settings);

  /// Binds `address`; throws std::runtime_error naming it on failure.
  void Bind(const config::ListenAddress& address);
  /// "127.0.0.1:7401", with the port the system chose for port 0.
  std::string BoundAddress() const;
  void Start();
  /// Stops accepting.
  void Stop();

 private:
  storage::Task<void> AcceptLoop();
  void Hand(boost::asio::ip::tcp::socket socket, Worker& worker);
  static storage::Task<void> Reject(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  std::vector<Worker*> workers_;
  std::uint32_t max_connections_;
  const HttpRouter& router_;
  HttpSettings settings_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::size_t next_worker_ = 0;
  std::uint64_t next_id_ = 1;
};

}  // namespace limitsd::server
