#include "server/listener.h"

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>
#include <cstring>
#include <stdexcept>

#include "protocol/reply_writer.h"
#include "server/connection.h"

namespace limitsd::server {
namespace {

namespace asio = boost::asio;
using GenericSocket = asio::generic::stream_protocol::socket;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

asio::generic::stream_protocol::endpoint EndpointOf(const config::ListenAddress& address) {
  if (address.IsUnix()) return asio::local::stream_protocol::endpoint(address.unix_path);
  return asio::ip::tcp::endpoint(asio::ip::make_address(address.host), address.port);
}

}  // namespace

Listener::Listener(asio::io_context& io, std::vector<Worker*> workers,
                   std::uint32_t max_connections)
    : io_(io), workers_(std::move(workers)), max_connections_(max_connections) {}

void Listener::Bind(const std::vector<config::ListenAddress>& addresses) {
  for (const config::ListenAddress& address : addresses) {
    try {
      const auto endpoint = EndpointOf(address);
      auto acceptor = std::make_unique<Acceptor>(io_);
      acceptor->open(endpoint.protocol());
      if (address.IsUnix()) {
        ::unlink(address.unix_path.c_str());  // a stale socket file from a previous run
        unix_paths_.push_back(address.unix_path);
      } else {
        acceptor->set_option(asio::socket_base::reuse_address(true));
      }
      acceptor->bind(endpoint);
      acceptor->listen(asio::socket_base::max_listen_connections);
      acceptors_.push_back(std::move(acceptor));
      tcp_.push_back(!address.IsUnix());
      labels_.push_back(address.IsUnix() ? "unix:" + address.unix_path : "");
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot listen on " + address.text + ": " + e.what());
    }
  }
}

std::vector<std::string> Listener::BoundAddresses() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < acceptors_.size(); ++i) {
    const auto endpoint = acceptors_[i]->local_endpoint();
    if (!labels_[i].empty()) {
      out.push_back(labels_[i]);
      continue;
    }
    asio::ip::tcp::endpoint tcp;
    tcp.resize(endpoint.size());
    std::memcpy(tcp.data(), endpoint.data(), endpoint.size());
    const std::string host = tcp.address().to_string();
    out.push_back((tcp.address().is_v6() ? "[" + host + "]" : host) + ":" +
                  std::to_string(tcp.port()));
  }
  return out;
}

void Listener::Start() {
  for (std::size_t i = 0; i < acceptors_.size(); ++i) {
    asio::co_spawn(io_, AcceptLoop(*acceptors_[i], tcp_[i]), asio::detached);
  }
}

void Listener::Stop() {
  for (auto& acceptor : acceptors_) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  }
  for (const std::string& path : unix_paths_) ::unlink(path.c_str());
}

storage::Task<void> Listener::AcceptLoop(Acceptor& acceptor, bool tcp) {
  asio::steady_timer backoff(io_);
  while (acceptor.is_open()) {
    Worker& worker = *workers_[next_worker_];
    auto [ec, socket] = co_await acceptor.async_accept(worker.io(), kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) {
      // Out of file descriptors and the like: wait rather than spin.
      spdlog::warn("accept failed: {}; retrying in 100 ms", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    next_worker_ = (next_worker_ + 1) % workers_.size();
    Hand(std::move(socket), worker, tcp);
  }
}

void Listener::Hand(GenericSocket socket, Worker& worker, bool tcp) {
  Metrics& metrics = worker.metrics();
  const auto open = metrics.connections_open.fetch_add(1, std::memory_order_relaxed);
  if (open >= static_cast<std::int64_t>(max_connections_)) {
    metrics.connections_open.fetch_sub(1, std::memory_order_relaxed);
    Metrics::Add(metrics.connections_rejected);
    asio::co_spawn(socket.get_executor(), Reject(std::move(socket)), asio::detached);
    return;
  }
  Metrics::Add(metrics.connections_accepted);
  if (tcp) {
    boost::system::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  }
  const std::uint64_t id = next_id_++;
  asio::post(worker.io(), [socket = std::move(socket), &worker, id, tcp]() mutable {
    std::make_shared<Connection>(std::move(socket), worker, id, tcp)->Start();
  });
}

// The refusal is written in the client's own protocol: a RESP request starts with '*'. What
// the client sent within this long is read (and dropped) to tell; silence means the line
// protocol.
constexpr std::chrono::milliseconds kRejectReadTimeout{500};
constexpr char kTlsHandshakeRecord = 0x16;  // the first byte a TLS client sends

storage::Task<void> Listener::Reject(GenericSocket socket) {
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(kRejectReadTimeout);
  timer.async_wait([&socket](boost::system::error_code ec) {
    boost::system::error_code ignored;
    if (!ec) socket.cancel(ignored);
  });
  char first[512];
  const auto [read_error, read] = co_await socket.async_read_some(asio::buffer(first), kNoThrow);
  timer.cancel();
  boost::system::error_code ignored;
  if (!read_error && read > 0 && first[0] == kTlsHandshakeRecord) {
    // A TLS client: a clear-text refusal would only be garbage to it, so just close.
    socket.close(ignored);
    co_return;
  }
  const protocol::Wire wire =
      !read_error && read > 0 && first[0] == '*' ? protocol::Wire::kResp : protocol::Wire::kLine;
  std::string reply;
  protocol::ReplyWriter(reply).Error(wire, protocol::ErrorCode::kOverloaded,
                                     "too many connections (server.max_connections); retry later");
  co_await asio::async_write(socket, asio::buffer(reply), kNoThrow);
  socket.shutdown(asio::socket_base::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace limitsd::server
