#pragma once
// One HTTP/1.1 client connection on the HTTP port: keep-alive and pipelining, bounded header
// and body sizes (431, 413), the idle timeout, Expect: 100-continue. Requests are parsed by
// Beast from the connection's buffer and answered in order through the route table; the
// replies of a pipelined burst go out in one write, when the next request is not complete
// yet. Pinned to its worker's thread, like the line-protocol Connection.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "protocol/http_api.h"
#include "server/client_stream.h"
#include "server/http_router.h"
#include "server/session.h"
#include "storage/result.h"

namespace limitsd::server {

class Worker;

struct HttpSettings {
  std::size_t max_header_bytes = 8192;
  std::size_t max_body_bytes = 65536;
  std::chrono::milliseconds idle_timeout{300000};  ///< 0: none
};

class HttpSession final : public Session, public std::enable_shared_from_this<HttpSession> {
 public:
  using Socket = boost::asio::ip::tcp::socket;

  /// Speaks TLS when the worker's configuration has server.tls.
  HttpSession(Socket socket, Worker& worker, const HttpRouter& router,
              const HttpSettings& settings, std::uint64_t id);

  /// Starts serving (registers with the worker); call on the worker's thread.
  void Start();
  /// Answers the request at hand (read, or still in the kernel) with Connection: close,
  /// then closes.
  void Shutdown() override;

  /// Appends `reply` framed as an HTTP/1.1 response (Content-Type, Content-Length,
  /// Cache-Control: no-store, Connection as `keep_alive` says) to `out`.
  static void AppendResponse(const protocol::HttpReply& reply, unsigned version, bool keep_alive,
                             std::string& out);

 private:
  enum class Got { kRequest, kClosed, kBadRequest };
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  storage::Task<void> Run();
  storage::Task<Got> ReadRequest();
  /// The route's reply, or 404 / 405.
  storage::Pending<protocol::HttpReply> Dispatch(const Parser::value_type& request);
  protocol::HttpReply Refusal(boost::beast::error_code error) const;
  /// 401 when server.password is set and the request does not carry it, or when it carries
  /// a wrong password; nullopt otherwise, with what its password allows in `role`.
  std::optional<protocol::HttpReply> Unauthorized(const Parser::value_type& request, Role& role);
  storage::Task<bool> Flush();
  storage::Task<void> Drain();
  storage::Task<void> Watchdog();
  void Touch(std::chrono::milliseconds timeout);
  bool HasUnread();
  void Close();

  ClientStream<Socket> stream_;
  Worker& worker_;
  const HttpRouter& router_;
  const HttpSettings settings_;
  std::uint64_t id_;
  boost::beast::flat_buffer input_;
  std::optional<Parser> parser_;
  boost::beast::error_code parse_error_;
  std::string out_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  bool reading_ = false;
  bool stopping_ = false;
  bool closed_ = false;
};

}  // namespace limitsd::server
