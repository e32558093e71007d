#pragma once
// The admin endpoint (admin.listen, off unless set): HTTP GET /metrics (Prometheus text),
// GET /health (200 when the storage answers its check, 503 otherwise). One request per
// connection; never on the decision path.

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/config.h"
#include "server/metrics.h"
#include "storage/storage.h"

namespace limitsd::server {

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, const Metrics& metrics, storage::Storage& storage);

  /// Binds `address` (host:port); throws std::runtime_error naming it on failure.
  void Bind(const config::ListenAddress& address);
  std::string BoundAddress() const;
  void Start();
  void Stop();

 private:
  storage::Task<void> AcceptLoop();
  storage::Task<void> Serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  const Metrics& metrics_;
  storage::Storage& storage_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace limitsd::server
