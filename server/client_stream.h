#pragma once
// A client connection's byte stream, plain or TLS: the sessions (line/RESP Connection,
// HttpSession) read and write through it and run the same code either way. With a TLS
// context the socket is wrapped in an Asio SSL stream (OpenSSL) and Handshake() must come
// first; without one every call goes to the socket itself, so plain connections pay one
// predictable branch per read or write and nothing else.

#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "storage/result.h"

namespace limitsd::server {

template <typename Socket>
class ClientStream {
 public:
  /// `tls`: the server context to use, or null for a plain stream.
  ClientStream(Socket socket, std::shared_ptr<boost::asio::ssl::context> tls)
      : plain_(std::move(socket)), context_(std::move(tls)) {
    if (context_) {
      tls_.emplace(std::move(plain_), *context_);
    } else {
      // Synchronous writes (WriteNow) return at once when the socket is full.
      boost::system::error_code ignored;
      plain_.non_blocking(true, ignored);
    }
  }

  bool is_tls() const noexcept { return tls_.has_value(); }
  /// The TCP (or unix) socket under any TLS: for options, cancel, close and FIN.
  Socket& socket() noexcept { return tls_ ? tls_->next_layer() : plain_; }
  auto get_executor() { return socket().get_executor(); }

  /// Reads some bytes; completes as `token` says (e.g. as_tuple(use_awaitable)).
  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
    return plain_.async_read_some(buffers, std::forward<Token>(token));
  }
  /// Writes all of `buffers`.
  template <typename Buffers, typename Token>
  auto async_write(const Buffers& buffers, Token&& token) {
    if (tls_) return boost::asio::async_write(*tls_, buffers, std::forward<Token>(token));
    return boost::asio::async_write(plain_, buffers, std::forward<Token>(token));
  }

  /// Writes what the socket takes now, without waiting: the bytes written, which the caller
  /// writes the rest of with async_write (a full socket). Nothing on a TLS stream. `ec` is
  /// set on an error other than a full socket. A reply that fits is written without the
  /// suspension and resumption of an asynchronous write.
  std::size_t WriteNow(boost::asio::const_buffer buffer, boost::system::error_code& ec) {
    if (tls_ || buffer.size() == 0) return 0;
    const std::size_t n = plain_.write_some(buffer, ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) ec = {};
    return n;
  }

  /// The server side of the TLS handshake; true at once for a plain stream. False when it
  /// failed (the peer is not speaking TLS, has no acceptable certificate, went away).
  storage::Task<bool> Handshake() {
    if (!tls_) co_return true;
    auto [ec] = co_await tls_->async_handshake(boost::asio::ssl::stream_base::server,
                                               boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return !ec;
  }

  /// Stops sending: TLS's close_notify first (waiting for the peer's, which a caller bounds
  /// with a timer that closes the socket), then the socket's FIN. What the peer still sends
  /// is then read from socket() and dropped.
  storage::Task<void> ShutdownSend() {
    if (tls_) {
      co_await tls_->async_shutdown(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    boost::system::error_code ignored;
    socket().shutdown(boost::asio::socket_base::shutdown_send, ignored);
  }

 private:
  Socket plain_;                                        // moved into tls_ when there is one
  std::shared_ptr<boost::asio::ssl::context> context_;  // outlives tls_
  std::optional<boost::asio::ssl::stream<Socket>> tls_;
};

}  // namespace limitsd::server
