#include "server/admin_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace limitsd::server {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

AdminServer::AdminServer(asio::io_context& io, const Metrics& metrics, storage::Storage& storage)
    : io_(io), metrics_(metrics), storage_(storage), acceptor_(io) {}

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
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

void AdminServer::Start() { asio::co_spawn(io_, AcceptLoop(), asio::detached); }

void AdminServer::Stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

storage::Task<void> AdminServer::AcceptLoop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (ec) break;
    asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
  }
}

storage::Task<void> AdminServer::Serve(asio::ip::tcp::socket socket) {
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request;
  auto [read_ec, n] = co_await http::async_read(socket, buffer, request, kNoThrow);
  if (read_ec) co_return;
  http::response<http::string_body> response{http::status::ok, request.version()};
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.keep_alive(false);
  const std::string_view target = request.target();
  if (request.method() != http::verb::get) {
    response.result(http::status::method_not_allowed);
    response.body() = "use GET\n";
  } else if (target == "/metrics") {
    response.set(http::field::content_type, "text/plain; version=0.0.4");
    response.body() = metrics_.Render();
  } else if (target == "/health") {
    const bool healthy = co_await storage_.Check();
    response.result(healthy ? http::status::ok : http::status::service_unavailable);
    response.body() = healthy ? "ok\n" : "storage unavailable\n";
  } else {
    response.result(http::status::not_found);
    response.body() = "not found; try /metrics or /health\n";
  }
  response.prepare_payload();
  co_await http::async_write(socket, response, kNoThrow);
  boost::system::error_code ignored;
  socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace limitsd::server
