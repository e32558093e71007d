#pragma once
// One byte stream to a Redis server: TCP, TCP inside TLS (rediss://), or a Unix socket.

#include <cstddef>
#include <boost/system/error_code.hpp>
#include <utility>
#include <variant>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "storage/redis/redis_endpoint.h"
#include "storage/result.h"

namespace limitsd::storage::redis {

class RedisStream {
 public:
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  explicit RedisStream(boost::asio::any_io_executor executor);

  /// Resolves, connects, and runs the TLS handshake when `options.tls` is set. Close()
  /// from elsewhere (a connect timeout) aborts it.
  Task<boost::system::error_code> Connect(const RedisEndpoint& endpoint, const SessionOptions& options);
  Task<std::pair<boost::system::error_code, std::size_t>> ReadSome(boost::asio::mutable_buffer buffer);
  /// Writes the whole buffer.
  Task<std::pair<boost::system::error_code, std::size_t>> Write(boost::asio::const_buffer buffer);
  /// Aborts pending operations and closes the socket; idempotent.
  void Close() noexcept;

 private:
  Task<boost::system::error_code> ConnectTcp(const RedisEndpoint& endpoint,
                                   boost::asio::ip::tcp::socket& socket);
  Task<boost::system::error_code> ConnectTls(const RedisEndpoint& endpoint, const SessionOptions& options);

  boost::asio::any_io_executor executor_;
  boost::asio::ip::tcp::resolver resolver_;
  std::variant<std::monostate, boost::asio::ip::tcp::socket,
               boost::asio::local::stream_protocol::socket, std::unique_ptr<TlsStream>>
      socket_;
  bool closed_ = false;
};

}  // namespace limitsd::storage::redis
