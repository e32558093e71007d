#include "server/http_session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <spdlog/spdlog.h>

#include "server/logging.h"
#include "server/password.h"
#include "server/worker.h"

namespace limitsd::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kDrainTimeout{1000};
constexpr std::size_t kReadBytes = 64 * 1024;

bool ExpectsContinue(const http::request<http::string_body>& request) {
  return beast::iequals(request[http::field::expect], "100-continue");
}

}  // namespace

HttpSession::HttpSession(Socket socket, Worker& worker, const HttpRouter& router,
                         const HttpSettings& settings, std::uint64_t id)
    : stream_(std::move(socket), worker.decider().tls()),
      worker_(worker),
      router_(router),
      settings_(settings),
      id_(id),
      timer_(stream_.get_executor()) {}

void HttpSession::Start() {
  worker_.Add(shared_from_this());
  Touch(settings_.idle_timeout);
  auto on_exit = [self = shared_from_this()](std::exception_ptr error) {
    if (!error) return;
    LogException(*spdlog::default_logger_raw(), fmt::format("http connection {}", self->id_),
                 error);
    self->Close();
  };
  asio::co_spawn(stream_.get_executor(), Run(), on_exit);
  if (settings_.idle_timeout.count() > 0) {
    asio::co_spawn(stream_.get_executor(), Watchdog(), on_exit);
  }
}

void HttpSession::Shutdown() {
  stopping_ = true;
  if (reading_ && !HasUnread()) stream_.socket().cancel();
}

// Whether the client's bytes wait in the kernel: a request sent before a stop is still
// read and answered (with Connection: close).
bool HttpSession::HasUnread() {
  beast::error_code ec;
  return stream_.socket().available(ec) > 0 && !ec;
}

storage::Task<void> HttpSession::Run() {
  auto self = shared_from_this();
  if (!co_await stream_.Handshake()) {
    spdlog::debug("http connection {}: TLS handshake failed", id_);
    Close();
    co_return;
  }
  for (;;) {
    const Got got = co_await ReadRequest();
    if (got == Got::kClosed) break;
    if (got == Got::kBadRequest) {
      // The rest of the stream cannot be framed: answer, then close.
      worker_.counters().Rejected(Protocol::kHttp, protocol::ErrorCode::kSyntax);
      AppendResponse(Refusal(parse_error_), 11, false, out_);
      if (co_await Flush()) co_await Drain();
      break;
    }
    const Parser::value_type& request = parser_->get();
    const auto started = std::chrono::steady_clock::now();
    storage::Pending<protocol::HttpReply> pending = Dispatch(request);
    // No co_await inside a conditional expression: g++ 12 miscompiles it.
    protocol::HttpReply reply;
    if (pending.ready()) {
      reply = std::move(pending).value();
    } else {
      reply = co_await std::move(pending).Wait();
    }
    const bool keep_alive = request.keep_alive() && !stopping_;
    AppendResponse(reply, request.version(), keep_alive, out_);
    worker_.counters().RequestLatency(Protocol::kHttp,
                                      std::chrono::steady_clock::now() - started);
    if (!keep_alive) {
      if (co_await Flush()) co_await Drain();
      break;
    }
  }
  Close();
}

// Parses the next request from the buffered input, reading more when it is incomplete.
// Before each read, the replies owed so far are written: a pipelined burst is answered
// with one write, and a client waiting for an answer is never kept waiting.
storage::Task<HttpSession::Got> HttpSession::ReadRequest() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(settings_.max_header_bytes));
  parser_->body_limit(settings_.max_body_bytes);
  parser_->eager(true);
  bool continued = false;
  for (;;) {
    if (input_.size() > 0) {
      beast::error_code ec;
      const std::size_t used = parser_->put(input_.data(), ec);
      input_.consume(used);
      if (parser_->is_done()) co_return Got::kRequest;
      if (ec && ec != http::error::need_more) {
        parse_error_ = ec;
        co_return Got::kBadRequest;
      }
      if (used > 0 && input_.size() > 0) continue;
    }
    if (!continued && parser_->is_header_done() && ExpectsContinue(parser_->get())) {
      continued = true;
      out_ += "HTTP/1.1 100 Continue\r\n\r\n";
    }
    if (!co_await Flush()) co_return Got::kClosed;
    if (stopping_ && !parser_->got_some() && !HasUnread()) co_return Got::kClosed;
    reading_ = true;
    auto [ec, n] = co_await stream_.async_read_some(input_.prepare(kReadBytes), kNoThrow);
    reading_ = false;
    // End of stream or an error: between requests that is a normal close; within one,
    // there is nothing to answer.
    if (ec) co_return Got::kClosed;
    input_.commit(n);
    Touch(settings_.idle_timeout);
  }
}

// With server.password set, every request on this port needs `Authorization: Bearer
// <password>` (or the admin password): without it 401 with `WWW-Authenticate: Bearer`, with
// a wrong one 401 with `error="invalid_token"` (RFC 6750). With only server.admin_password
// set, a request may come without credentials, but not with wrong ones.
std::optional<protocol::HttpReply> HttpSession::Unauthorized(const Parser::value_type& request,
                                                             Role& role) {
  role = Role::kNone;
  Authenticator& authenticator = worker_.authenticator();
  if (!authenticator.Configured()) return std::nullopt;
  std::optional<std::string_view> token;
  const auto field = request.find(http::field::authorization);
  if (field != request.end()) token = Password::BearerToken(field->value());
  constexpr auto kDoor = static_cast<std::size_t>(Protocol::kHttp);
  if (token) role = authenticator.Check(*token, kDoor);
  if (role != Role::kNone || (!token && !authenticator.Required())) return std::nullopt;
  if (!token) authenticator.Refuse(kDoor, AuthFailure::kMissing);
  worker_.counters().Rejected(
      Protocol::kHttp, token ? protocol::ErrorCode::kWrongPass : protocol::ErrorCode::kNoAuth);
  protocol::HttpReply reply =
      token ? protocol::ProblemReply(401, "wrongpass",
                                     "invalid bearer token: send Authorization: Bearer "
                                     "<server.password>")
            : protocol::ProblemReply(401, "noauth",
                                     "Authentication required: send Authorization: Bearer "
                                     "<server.password>");
  reply.headers.emplace_back("WWW-Authenticate",
                             token ? "Bearer error=\"invalid_token\"" : "Bearer");
  return reply;
}

storage::Pending<protocol::HttpReply> HttpSession::Dispatch(const Parser::value_type& request) {
  Role role = Role::kNone;
  if (std::optional<protocol::HttpReply> refusal = Unauthorized(request, role)) {
    return std::move(*refusal);
  }
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  std::string allow;
  const HttpHandler* handler = router_.Find(request.method(), path, allow);
  if (handler != nullptr) {
    const HttpRequest view{request.method(), path, request.body(), &request.base(), role};
    return (*handler)(view, worker_);
  }
  worker_.counters().Rejected(Protocol::kHttp, protocol::ErrorCode::kUnknownCommand);
  const std::string shown(path.substr(0, 100));
  if (allow.empty()) {
    return protocol::ProblemReply(404, "not_found",
                                  "no endpoint at " + shown + "; the endpoints are " +
                                      router_.Describe());
  }
  protocol::HttpReply reply = protocol::ProblemReply(
      405, "method_not_allowed",
      std::string(request.method_string()) + " is not allowed on " + shown + ": use " + allow);
  reply.headers.emplace_back("Allow", std::move(allow));
  return reply;
}

protocol::HttpReply HttpSession::Refusal(beast::error_code error) const {
  if (error == http::error::header_limit) {
    return protocol::ProblemReply(
        431, "too_long",
        "the request line and header fields exceed http.max_header_bytes (" +
            std::to_string(settings_.max_header_bytes) + " bytes)");
  }
  if (error == http::error::body_limit) {
    return protocol::ProblemReply(413, "too_long",
                                  "the body exceeds http.max_body_bytes (" +
                                      std::to_string(settings_.max_body_bytes) + " bytes)");
  }
  return protocol::ProblemReply(400, "syntax", "malformed HTTP/1.1 request: " + error.message());
}

void HttpSession::AppendResponse(const protocol::HttpReply& reply, unsigned version,
                                 bool keep_alive, std::string& out) {
  http::response<http::string_body> response{static_cast<http::status>(reply.status), version};
  response.reason(protocol::ReasonOf(reply.status));
  response.set(http::field::content_type, reply.content_type);
  response.set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : reply.headers) response.insert(name, value);
  response.keep_alive(keep_alive);
  response.body() = reply.body;
  response.prepare_payload();
  http::response_serializer<http::string_body> serializer{response};
  beast::error_code ec;
  do {
    serializer.next(ec, [&](beast::error_code& next_ec, const auto& buffers) {
      next_ec = {};
      for (const auto buffer : beast::buffers_range_ref(buffers)) {
        out.append(static_cast<const char*>(buffer.data()), buffer.size());
      }
      serializer.consume(beast::buffer_bytes(buffers));
    });
  } while (!ec && !serializer.is_done());
}

storage::Task<bool> HttpSession::Flush() {
  if (out_.empty()) co_return true;
  auto [ec, written] = co_await stream_.async_write(asio::buffer(out_), kNoThrow);
  out_.clear();
  co_return !ec;
}

// After the last response: stop sending, read and drop what the client still sends until
// it closes or a short timeout passes, so that it reads the response before any reset.
storage::Task<void> HttpSession::Drain() {
  Touch(kDrainTimeout);
  if (settings_.idle_timeout.count() == 0) {
    asio::co_spawn(stream_.get_executor(), Watchdog(), asio::detached);
  } else {
    timer_.cancel();  // the watchdog re-arms with the short deadline
  }
  co_await stream_.ShutdownSend();
  char sink[4096];
  for (;;) {
    auto [ec, n] = co_await stream_.socket().async_read_some(asio::buffer(sink), kNoThrow);
    if (ec) break;
  }
}

storage::Task<void> HttpSession::Watchdog() {
  auto self = shared_from_this();
  while (!closed_) {
    timer_.expires_at(deadline_);
    co_await timer_.async_wait(kNoThrow);
    if (closed_) break;
    if (std::chrono::steady_clock::now() >= deadline_) {
      spdlog::debug("http connection {}: idle timeout", id_);
      beast::error_code ignored;
      stream_.socket().close(ignored);
      break;
    }
  }
}

void HttpSession::Touch(std::chrono::milliseconds timeout) {
  deadline_ = std::chrono::steady_clock::now() + timeout;
}

void HttpSession::Close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().close(ignored);
  timer_.cancel();
  worker_.metrics().connections_open.fetch_sub(1, std::memory_order_relaxed);
  worker_.Remove(this);
}

}  // namespace limitsd::server
