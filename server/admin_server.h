#pragma once
// The admin endpoint (admin.listen, off unless set), HTTP/1.1, never on the decision path:
//   GET /metrics   Prometheus text
//   GET /livez     200 while the process serves
//   GET /readyz    200 when requests get answers: the storage answers, or storage.on_error
//                  answers without it; 503 while the daemon drains on SIGTERM
//   GET /health    /readyz
//   POST /reload   reloads the configuration file: 200, or 422 with every error; with
//                  server.password set it needs `Authorization: Bearer <password>` (401),
//                  with server.admin_password set that password
// HEAD works wherever GET does; query strings are ignored. One request per connection,
// read within admin.read_timeout_ms; at most admin.max_connections at once.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/config.h"
#include "server/reloader.h"
#include "storage/result.h"

namespace limitsd::server {

struct Readiness {
  bool ready = false;
  std::string reason;
};

/// What the endpoints ask the daemon.
struct AdminHooks {
  std::function<std::string()> metrics;
  std::function<storage::Task<Readiness>()> readiness;
  std::function<storage::Task<ReloadOutcome>()> reload;
  /// Whether a request with this Authorization field value (empty: none) may reload.
  std::function<bool(std::string_view authorization)> may_reload;
};

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, AdminHooks hooks, const config::AdminConfig& config);

  /// Binds `address` (host:port); throws std::runtime_error naming it on failure.
  void Bind(const config::ListenAddress& address);
  std::string BoundAddress() const;
  void Start();
  void Stop();

 private:
  struct Reply {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::string allow;  ///< the Allow header of a 405
    bool challenge = false;  ///< a 401: WWW-Authenticate: Bearer
  };

  storage::Task<void> AcceptLoop();
  storage::Task<void> Serve(boost::asio::ip::tcp::socket socket);
  storage::Task<Reply> Route(std::string_view method, std::string_view path,
                             std::string_view authorization);

  boost::asio::io_context& io_;
  AdminHooks hooks_;
  std::uint32_t max_connections_;
  std::chrono::milliseconds read_timeout_;
  boost::asio::ip::tcp::acceptor acceptor_;
  /// Connections being served (on io_'s thread). Shared with them: a connection's frame may
  /// be destroyed after this server, with the io_context that holds it.
  std::shared_ptr<std::uint32_t> open_ = std::make_shared<std::uint32_t>(0);
};

}  // namespace limitsd::server
