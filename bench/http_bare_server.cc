// limitsd_http_bare_server: the ceiling of HTTP/1.1 on this machine for the HTTP API's
// benchmark. A Beast server on one thread, with the daemon's shape (Asio coroutines, one
// per connection, keep-alive), that answers every request with the same 200 JSON body, the
// size of a decision, and decides nothing.
//
//   limitsd_http_bare_server PORT      (listens on 127.0.0.1:PORT)

#include <cstdio>
#include <cstdlib>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr const char* kBody =
    R"({"allowed":true,"limit":100,"remaining":99,"reset_ms":60000,"retry_ms":0,"policy":"100/minute"})";

asio::awaitable<void> Serve(Tcp::socket socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    auto [read_ec, n] = co_await http::async_read(socket, buffer, request, kNoThrow);
    if (read_ec) break;
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    response.body() = kBody;
    response.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(socket, response, kNoThrow);
    if (write_ec || !request.keep_alive()) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(Tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> Accept(Tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec) continue;
    socket.set_option(Tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), Serve(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  asio::io_context io(1);
  Tcp::acceptor acceptor(io, Tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                           static_cast<unsigned short>(std::atoi(argv[1]))));
  asio::co_spawn(io, Accept(acceptor), asio::detached);
  io.run();
}
