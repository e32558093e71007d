#pragma once
// Accepts connections on the configured addresses (TCP or unix sockets) and hands each to
// the next worker, in turn. Enforces max_connections; backs off after accept errors.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/config.h"
#include "server/worker.h"
#include "storage/result.h"

namespace limitsd::server {

class Listener {
 public:
  /// `workers` run on the pool's contexts; the acceptors run on `io`.
  Listener(boost::asio::io_context& io, std::vector<Worker*> workers,
           std::uint32_t max_connections);

  /// Binds every address; throws std::runtime_error naming the address on failure.
  void Bind(const std::vector<config::ListenAddress>& addresses);
  /// "127.0.0.1:7400", with the port the system chose for port 0.
  std::vector<std::string> BoundAddresses() const;
  void Start();
  /// Stops accepting (closes the acceptors); unix socket files are removed.
  void Stop();

 private:
  using Acceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;
  storage::Task<void> AcceptLoop(Acceptor& acceptor, bool tcp);
  /// Gives an accepted socket (already on `worker`'s context) to `worker`.
  void Hand(boost::asio::generic::stream_protocol::socket socket, Worker& worker, bool tcp);
  storage::Task<void> Reject(boost::asio::generic::stream_protocol::socket socket);

  boost::asio::io_context& io_;
  std::vector<Worker*> workers_;
  std::uint32_t max_connections_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::vector<bool> tcp_;
  std::vector<std::string> unix_paths_;
  std::vector<std::string> labels_;  // "unix:/path" per acceptor, empty for TCP
  std::size_t next_worker_ = 0;
  std::uint64_t next_id_ = 1;
};

}  // namespace limitsd::server
