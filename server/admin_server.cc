#include "server/admin_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "server/logging.h"

namespace limitsd::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxBody = 64 * 1024;
constexpr std::chrono::milliseconds kLinger{1000};

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

}  // namespace

AdminServer::AdminServer(asio::io_context& io, AdminHooks hooks, const config::AdminConfig& config)
    : io_(io),
      hooks_(std::move(hooks)),
      max_connections_(config.max_connections),
      read_timeout_(config.read_timeout_ms),
      acceptor_(io) {}

void AdminServer::Bind(const config::ListenAddress& address) {
  try {
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address.host), address.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on admin.listen " + address.text + ": " + e.what());
  }
}

std::string AdminServer::BoundAddress() const {
  const auto endpoint = acceptor_.local_endpoint();
  const std::string host = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" +
         std::to_string(endpoint.port());
}

void AdminServer::Start() { asio::co_spawn(io_, AcceptLoop(), asio::detached); }

void AdminServer::Stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

storage::Task<void> AdminServer::AcceptLoop() {
  asio::steady_timer backoff(io_);
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      spdlog::warn("admin accept failed: {}; retrying in 100 ms", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    asio::co_spawn(io_, Serve(std::move(socket)), [](const std::exception_ptr& error) {
      LogException(*spdlog::default_logger_raw(), "admin request failed", error);
    });
  }
}

storage::Task<void> AdminServer::Serve(asio::ip::tcp::socket socket) {
  ++*open_;
  struct Release {
    std::shared_ptr<std::uint32_t> open;
    ~Release() { --*open; }
  } release{open_};
  beast::tcp_stream stream(std::move(socket));
  Reply reply;
  unsigned version = 11;
  bool head = false;
  if (*open_ > max_connections_) {
    reply = {503, "text/plain; charset=utf-8",
             "too many admin connections (admin.max_connections); retry later\n", ""};
  } else {
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    stream.expires_after(read_timeout_);
    auto [read_ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (read_ec) co_return;  // the timeout, a client gone, or not HTTP: nothing to answer
    const auto& request = parser.get();
    version = request.version();
    head = request.method() == http::verb::head;
    const std::string_view method = head ? "GET" : std::string_view(request.method_string());
    reply = co_await Route(method, PathOf(request.target()), request[http::field::authorization]);
  }
  http::response<http::string_body> response{static_cast<http::status>(reply.status), version};
  response.set(http::field::content_type, reply.content_type);
  if (!reply.allow.empty()) response.set(http::field::allow, reply.allow);
  if (reply.challenge) response.set(http::field::www_authenticate, "Bearer");
  response.keep_alive(false);
  response.content_length(reply.body.size());
  if (!head) response.body() = std::move(reply.body);
  stream.expires_after(read_timeout_);
  auto [write_ec, written] = co_await http::async_write(stream, response, kNoThrow);
  if (write_ec) co_return;
  // Close without a reset: stop sending, then read what the client may still send until
  // it closes (or briefly), so it reads the whole answer.
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLinger);
  char sink[1024];
  for (;;) {
    auto [ec, got] = co_await stream.async_read_some(asio::buffer(sink), kNoThrow);
    if (ec) break;
  }
}

storage::Task<AdminServer::Reply> AdminServer::Route(std::string_view method, std::string_view path,
                                                     std::string_view authorization) {
  const bool get = method == "GET";
  if (path == "/reload") {
    if (method != "POST") co_return Reply{405, "text/plain; charset=utf-8", "use POST\n", "POST"};
    if (hooks_.may_reload && !hooks_.may_reload(authorization)) {
      co_return Reply{401, "text/plain; charset=utf-8",
                      "Authentication required: send Authorization: Bearer "
                      "<server.admin_password>, or <server.password> when no admin password is "
                      "set\n",
                      "", true};
    }
    ReloadOutcome outcome = co_await hooks_.reload();
    co_return Reply{outcome.ok ? 200u : 422u, "text/plain; charset=utf-8",
                    std::move(outcome.message), ""};
  }
  const bool known = path == "/metrics" || path == "/livez" || path == "/readyz" ||
                     path == "/health";
  if (!known) {
    co_return Reply{404, "text/plain; charset=utf-8",
                    "not found; try /metrics, /livez, /readyz, /health or POST /reload\n", ""};
  }
  if (!get) co_return Reply{405, "text/plain; charset=utf-8", "use GET or HEAD\n", "GET, HEAD"};
  if (path == "/metrics") {
    co_return Reply{200, "text/plain; version=0.0.4; charset=utf-8", hooks_.metrics(), ""};
  }
  if (path == "/livez") co_return Reply{200, "text/plain; charset=utf-8", "ok\n", ""};
  const Readiness readiness = co_await hooks_.readiness();
  co_return Reply{readiness.ready ? 200u : 503u, "text/plain; charset=utf-8",
                  readiness.reason + "\n", ""};
}

}  // namespace limitsd::server
