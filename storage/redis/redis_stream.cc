#include "storage/redis/redis_stream.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace limitsd::storage::redis {
namespace {

namespace asio = boost::asio;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

RedisStream::RedisStream(asio::any_io_executor executor)
    : executor_(executor), resolver_(executor) {}

Task<boost::system::error_code> RedisStream::Connect(const RedisEndpoint& endpoint,
                                           const SessionOptions& options) {
  if (endpoint.IsUnix()) {
    auto& socket = socket_.emplace<asio::local::stream_protocol::socket>(executor_);
    auto [ec] = co_await socket.async_connect(
        asio::local::stream_protocol::endpoint(endpoint.unix_path), kTuple);
    co_return ec;
  }
  if (options.tls) co_return co_await ConnectTls(endpoint, options);
  auto& socket = socket_.emplace<asio::ip::tcp::socket>(executor_);
  co_return co_await ConnectTcp(endpoint, socket);
}

Task<boost::system::error_code> RedisStream::ConnectTcp(const RedisEndpoint& endpoint,
                                              asio::ip::tcp::socket& socket) {
  auto [rec, results] =
      co_await resolver_.async_resolve(endpoint.host, std::to_string(endpoint.port), kTuple);
  if (rec) co_return rec;
  if (closed_) co_return asio::error::operation_aborted;
  auto [cec, ignored] = co_await asio::async_connect(socket, results, kTuple);
  if (cec) co_return cec;
  boost::system::error_code ignored_ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored_ec);
  co_return boost::system::error_code{};
}

Task<boost::system::error_code> RedisStream::ConnectTls(const RedisEndpoint& endpoint,
                                              const SessionOptions& options) {
  auto& tls = socket_.emplace<std::unique_ptr<TlsStream>>(
      std::make_unique<TlsStream>(executor_, *options.tls));
  if (!IsIpAddress(endpoint.host)) {
    SSL_set_tlsext_host_name(tls->native_handle(), endpoint.host.c_str());
  }
  if (options.tls_verify) {
    tls->set_verify_mode(asio::ssl::verify_peer);
    tls->set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
  } else {
    tls->set_verify_mode(asio::ssl::verify_none);
  }
  if (auto ec = co_await ConnectTcp(endpoint, tls->next_layer())) co_return ec;
  auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::client, kTuple);
  co_return hec;
}

Task<std::pair<boost::system::error_code, std::size_t>> RedisStream::ReadSome(asio::mutable_buffer buffer) {
  auto read = [&](auto& s) -> Task<std::pair<boost::system::error_code, std::size_t>> {
    auto [ec, n] = co_await s.async_read_some(buffer, kTuple);
    co_return std::pair<boost::system::error_code, std::size_t>{ec, n};
  };
  if (auto* tcp = std::get_if<asio::ip::tcp::socket>(&socket_)) co_return co_await read(*tcp);
  if (auto* local = std::get_if<asio::local::stream_protocol::socket>(&socket_)) {
    co_return co_await read(*local);
  }
  if (auto* tls = std::get_if<std::unique_ptr<TlsStream>>(&socket_)) co_return co_await read(**tls);
  co_return std::pair<boost::system::error_code, std::size_t>{asio::error::not_connected, 0};
}

Task<std::pair<boost::system::error_code, std::size_t>> RedisStream::Write(asio::const_buffer buffer) {
  auto write = [&](auto& s) -> Task<std::pair<boost::system::error_code, std::size_t>> {
    auto [ec, n] = co_await asio::async_write(s, buffer, kTuple);
    co_return std::pair<boost::system::error_code, std::size_t>{ec, n};
  };
  if (auto* tcp = std::get_if<asio::ip::tcp::socket>(&socket_)) co_return co_await write(*tcp);
  if (auto* local = std::get_if<asio::local::stream_protocol::socket>(&socket_)) {
    co_return co_await write(*local);
  }
  if (auto* tls = std::get_if<std::unique_ptr<TlsStream>>(&socket_)) {
    co_return co_await write(**tls);
  }
  co_return std::pair<boost::system::error_code, std::size_t>{asio::error::not_connected, 0};
}

void RedisStream::Close() noexcept {
  closed_ = true;
  resolver_.cancel();
  boost::system::error_code ec;
  if (auto* tcp = std::get_if<asio::ip::tcp::socket>(&socket_)) tcp->close(ec);
  if (auto* local = std::get_if<asio::local::stream_protocol::socket>(&socket_)) local->close(ec);
  if (auto* tls = std::get_if<std::unique_ptr<TlsStream>>(&socket_)) {
    (*tls)->next_layer().close(ec);
  }
}

}  // namespace limitsd::storage::redis
