#include "server/http_listener.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace limitsd::server {
namespace {

namespace asio = boost::asio;
using Tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kRejectDrain{1000};

}  // namespace

HttpListener::HttpListener(asio::io_context& io, std::vector<Worker*> workers,
                           std::uint32_t max_connections, const HttpRouter& router,
                           HttpSettings settings)
    : io_(io),
      workers_(std::move(workers)),
      max_connections_(max_connections),
      router_(router),
      settings_(settings),
      acceptor_(io) {}

void HttpListener::Bind(const config::ListenAddress& address) {
  try {
    const Tcp::endpoint endpoint(asio::ip::make_address(address.host), address.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on http.listen " + address.text + ": " + e.what());
  }
}

std::string HttpListener::BoundAddress() const {
  const Tcp::endpoint endpoint = acceptor_.local_endpoint();
  const std::string host = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" +
         std::to_string(endpoint.port());
}

void HttpListener::Start() { asio::co_spawn(io_, AcceptLoop(), asio::detached); }

void HttpListener::Stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

storage::Task<void> HttpListener::AcceptLoop() {
  asio::steady_timer backoff(io_);
  while (acceptor_.is_open()) {
    Worker& worker = *workers_[next_worker_];
    auto [ec, socket] = co_await acceptor_.async_accept(worker.io(), kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      // Out of file descriptors and the like: wait rather than spin.
      spdlog::warn("http accept failed: {}; retrying in 100 ms", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    next_worker_ = (next_worker_ + 1) % workers_.size();
    Hand(std::move(socket), worker);
  }
}

void HttpListener::Hand(Tcp::socket socket, Worker& worker) {
  Metrics& metrics = worker.metrics();
  const auto open = metrics.connections_open.fetch_add(1, std::memory_order_relaxed);
  if (open >= static_cast<std::int64_t>(max_connections_)) {
    metrics.connections_open.fetch_sub(1, std::memory_order_relaxed);
    Metrics::Add(metrics.connections_rejected);
    asio::co_spawn(socket.get_executor(), Reject(std::move(socket)), asio::detached);
    return;
  }
  Metrics::Add(metrics.connections_accepted);
  boost::system::error_code ignored;
  socket.set_option(Tcp::no_delay(true), ignored);
  const std::uint64_t id = next_id_++;
  asio::post(worker.io(), [this, socket = std::move(socket), &worker, id]() mutable {
    std::make_shared<HttpSession>(std::move(socket), worker, router_, settings_, id)->Start();
  });
}

// 503 without reading the request; then the client's request is read and dropped until it
// closes (or a second passes), so that it gets the answer rather than a reset.
storage::Task<void> HttpListener::Reject(Tcp::socket client) {
  auto socket = std::make_shared<Tcp::socket>(std::move(client));  // shared with the timer
  protocol::HttpReply reply = protocol::ErrorReply(
      {protocol::ErrorCode::kOverloaded,
       "too many connections (server.max_connections); retry later"});
  std::string out;
  HttpSession::AppendResponse(reply, 11, false, out);
  co_await asio::async_write(*socket, asio::buffer(out), kNoThrow);
  boost::system::error_code ignored;
  socket->shutdown(asio::socket_base::shutdown_send, ignored);
  asio::steady_timer deadline(socket->get_executor(), kRejectDrain);
  deadline.async_wait([socket](boost::system::error_code) {
    boost::system::error_code ignored_close;
    socket->close(ignored_close);
  });
  char sink[4096];
  for (;;) {
    auto [ec, n] = co_await socket->async_read_some(asio::buffer(sink), kNoThrow);
    if (ec) break;
  }
  deadline.cancel();
}

}  // namespace limitsd::server
