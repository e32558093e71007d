#include "server/connection.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "protocol/reply_writer.h"
#include "server/logging.h"
#include "server/reply_order.h"
#include "server/request_window.h"
#include "server/worker.h"
#include "storage/clock.h"

namespace limitsd::server {
namespace {

namespace asio = boost::asio;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kDrainTimeout{1000};
constexpr std::size_t kClockBatchRequests = 256;
// A reply buffer that grew past this for a burst is released once written.
constexpr std::size_t kKeptReplyBytes = 16 * 1024;
// Inputs read by this thread's connections: how a connection tells whether the thread
// served others between two of its reads.
thread_local std::uint64_t inputs_read = 0;
// The most busy reads a connection skips the yield on after yields whose read found nothing.
constexpr int kMaxYieldBackoff = 63;

// A request window for one input, lent by this thread. A window holds RequestWindow::kSize
// results: too large to build for every read, and to keep in every connection (idle ones
// too). The thread keeps the windows handed back, as many as inputs were answered at once
// (up to kKeptWindows). Per thread rather than per worker: a connection's coroutine may be
// destroyed after its worker, when the daemon stops with requests still in flight.
class WindowLease {
 public:
  static constexpr std::size_t kKeptWindows = 256;

  explicit WindowLease(protocol::RequestParser& parser) {
    auto& kept = Kept();
    if (kept.empty()) {
      window_ = std::make_unique<RequestWindow>(parser);
    } else {
      window_ = std::move(kept.back());
      kept.pop_back();
      window_->Reset(parser);
    }
  }
  ~WindowLease() {
    auto& kept = Kept();
    if (kept.size() < kKeptWindows) kept.push_back(std::move(window_));
  }
  WindowLease(const WindowLease&) = delete;
  WindowLease& operator=(const WindowLease&) = delete;

  RequestWindow& window() const noexcept { return *window_; }

 private:
  static std::vector<std::unique_ptr<RequestWindow>>& Kept() {
    thread_local std::vector<std::unique_ptr<RequestWindow>> kept;
    return kept;
  }

  std::unique_ptr<RequestWindow> window_;
};

}  // namespace

// Where the answering of one input stands. The first pass (AnswerAtOnce) answers the
// requests in place while each is answered at once; at the first one that waits it stops,
// and ProcessInput carries on from there, with the same window, in the same order.
struct Connection::Pass {
  Pass(protocol::RequestParser& parser, std::chrono::steady_clock::time_point read_at)
      : lease(parser), arrival(read_at) {}

  // Parsed a window ahead, each window's decisions prefetched before the first is made.
  WindowLease lease;
  std::chrono::steady_clock::time_point arrival;  ///< when the input was read
  std::size_t start = 0;                          ///< bytes of the input handed out so far
  std::size_t in_batch = 0;                       ///< requests since the clock was last read
  Next next = Next::kRead;
  /// The request the first pass stopped at: handled (its storage call has gone out), its
  /// reply to come after those already in the output.
  std::optional<storage::Pending<bool>> waiting;
  bool barrier = false;  ///< that request is a RESET
};

Connection::Connection(Socket socket, Worker& worker, std::uint64_t id, bool tls_allowed)
    : stream_(std::move(socket), tls_allowed ? worker.decider().tls() : nullptr),
      worker_(worker),
      id_(id),
      parser_(worker.settings().max_line_bytes),
      input_(parser_.MaxPendingBytes() + ReadBuffer::kInitialBytes),
      timer_(stream_.get_executor()) {}

void Connection::Start() {
  worker_.Add(shared_from_this());
  Touch(worker_.settings().idle_timeout);
  auto on_exit = [self = shared_from_this()](std::exception_ptr error) {
    if (error) {
      LogException(*spdlog::default_logger_raw(), fmt::format("connection {}", self->id_), error);
      self->Close();
    }
  };
  asio::co_spawn(stream_.get_executor(), Run(), on_exit);
  if (worker_.settings().idle_timeout.count() > 0) {
    Watchdog();
  }
}

void Connection::Shutdown() {
  stopping_ = true;
  if (reading_ && !HasUnread()) stream_.socket().cancel();
}

// Whether the client's bytes wait in the kernel: requests sent before a stop are still read
// and answered, whatever the size of the read buffer.
bool Connection::HasUnread() {
  boost::system::error_code ec;
  return stream_.socket().available(ec) > 0 && !ec;
}

storage::Task<void> Connection::Run() {
  auto self = shared_from_this();
  if (!co_await stream_.Handshake()) {
    spdlog::debug("connection {}: TLS handshake failed", id_);
    Close();
    co_return;
  }
  std::string out;
  Next next = Next::kRead;
  bool peer_gone = false;
  bool yielded = false;
  while (next == Next::kRead && (!stopping_ || HasUnread())) {
    const std::span<char> room = input_.Writable();
    boost::system::error_code ec;
    std::size_t n = 0;
    // After a yield, what the client sent meanwhile; otherwise (or if nothing came) a wait.
    const bool read = yielded && ReadAfterYield(room, n, ec);
    yielded = false;
    if (!read) {
      reading_ = true;
      auto [read_ec, read_n] =
          co_await stream_.async_read_some(asio::buffer(room.data(), room.size()), kNoThrow);
      reading_ = false;
      ec = read_ec;
      n = read_n;
    }
    if (ec) {
      peer_gone = ec != asio::error::operation_aborted;
      break;
    }
    input_.Commit(n);
    const std::uint64_t mark = ++inputs_read;
    const bool busy = mark - read_mark_ > 1;  // other inputs read since this one's last
    read_mark_ = mark;
    // One clock read for the idle deadline, the latency and the requests' arrival.
    const auto read_at = std::chrono::steady_clock::now();
    Touch(worker_.settings().idle_timeout, read_at);
    bool answered = false;
    {
      Pass pass(parser_, read_at);
      answered = AnswerAtOnce(out, pass);
      if (answered) {
        next = pass.next;
      } else {
        next = co_await ProcessInput(out, pass);
      }
    }
    if (!out.empty()) {
      boost::system::error_code write_ec;
      const std::size_t done = stream_.WriteNow(asio::buffer(out), write_ec);
      if (!write_ec && done < out.size()) {
        // A full socket (a slow reader) or TLS: the rest waits for room.
        auto [async_ec, written] = co_await stream_.async_write(
            asio::buffer(out.data() + done, out.size() - done), kNoThrow);
        write_ec = async_ec;
      }
      out.clear();
      if (write_ec) {
        peer_gone = true;
        break;
      }
    }
    CountLatency(read_at);
    // Between reads: give back what a large request or a burst made us hold.
    input_.Shrink();
    if (out.capacity() > kKeptReplyBytes) std::string().swap(out);
    // On a busy thread, the other connections first: the next read then rarely fails.
    if (next == Next::kRead && YieldBeforeRead(answered, busy)) {
      co_await asio::post(stream_.get_executor(), asio::use_awaitable);
      yielded = true;
    }
  }
  // On a stop too: a FIN after the last reply, never a reset for bytes left unread. After
  // QUIT, a TLS client gets its close_notify.
  if (next == Next::kHalfClose || (stopping_ && !peer_gone && next == Next::kRead) ||
      (next == Next::kClose && stream_.is_tls())) {
    co_await Drain();
  }
  Close();
}

// The client cannot have sent its next requests before it read these replies, so a read now
// would mostly find nothing: Asio tries the read at once, and a failed read is a system call
// spent for nothing. When the input was answered at once and the thread has served other
// connections since this one's last read (a busy thread: others are likely ready now too),
// they are served first, and the read is tried after them (plain streams: TLS reads through
// its own buffers). A yield whose read found nothing cost a poll of the reactor and a failed
// read more: the connection then skips the yield on its next 1, 3, 7 ... kMaxYieldBackoff
// busy reads, until a yield's read finds the client's requests (ReadAfterYield).
bool Connection::YieldBeforeRead(bool answered, bool busy) noexcept {
  if (!answered || !busy || stream_.is_tls()) return false;
  if (yield_skips_ > 0) {
    --yield_skips_;
    return false;
  }
  return true;
}

// After a yield: what the client has sent meanwhile, if anything, without waiting. True when
// the read found bytes or failed (`n` and `ec` say which); false when nothing had come, which
// lengthens the backoff of YieldBeforeRead.
bool Connection::ReadAfterYield(std::span<char> room, std::size_t& n,
                                boost::system::error_code& ec) {
  n = stream_.socket().read_some(asio::buffer(room.data(), room.size()), ec);
  if (ec != asio::error::would_block && ec != asio::error::try_again) {
    yield_backoff_ = 0;
    return true;
  }
  yield_backoff_ =
      static_cast<std::uint8_t>(std::min<int>(kMaxYieldBackoff, 2 * yield_backoff_ + 1));
  yield_skips_ = yield_backoff_;
  return false;
}

// The input's next result. The requests of one read are decided at one instant, the clock
// read once for them (refreshed every kClockBatchRequests, and after any wait).
const protocol::ParseResult& Connection::NextResult(Pass& pass) {
  if (++pass.in_batch == kClockBatchRequests) {
    storage::ClockBatch::Refresh();
    pass.in_batch = 0;
  }
  const protocol::ParseResult& r = pass.lease.window().Next(
      input_.Data(), [this](const protocol::Request& ahead, storage::KeyLocation& location) {
        worker_.handler().Prefetch(ahead, location);
      });
  pass.start += r.consumed;
  return r;
}

void Connection::AnswerError(const protocol::ParseError& error, std::string& target, Next& next) {
  worker_.counters().Rejected(ProtocolOf(error.wire), error.code);
  ++answered_[static_cast<std::size_t>(ProtocolOf(error.wire))];
  protocol::ReplyWriter(target).Error(error);
  if (error.close_connection) next = Next::kHalfClose;
}

// Answers the input's requests in order while each is answered at once (on memory://, all
// but RESET), without a coroutine: most inputs are answered here. True once the input is
// answered and consumed (pass.next says what comes next); false at the first request that
// waits, left in pass.waiting for ProcessInput with the rest of the input.
bool Connection::AnswerAtOnce(std::string& out, Pass& pass) {
  const storage::ClockBatch batch;
  while (pass.next == Next::kRead) {
    const protocol::ParseResult& r = NextResult(pass);
    if (r.kind == protocol::ParseResult::Kind::kNeedMore) break;
    if (r.kind == protocol::ParseResult::Kind::kError) {
      AnswerError(r.error, out, pass.next);
      continue;
    }
    ++answered_[static_cast<std::size_t>(ProtocolOf(r.request.wire))];
    // Nothing waits before this request: its reply goes straight to the output.
    storage::Pending<bool> handled = worker_.handler().Handle(r.request, out, client_, pass.arrival,
                                                              &pass.lease.window().location());
    if (!handled.ready()) {
      pass.waiting.emplace(std::move(handled));
      pass.barrier = r.request.verb == protocol::Verb::kReset;
      return false;
    }
    if (!std::move(handled).value()) pass.next = Next::kClose;
  }
  input_.Consume(pass.start);
  return true;
}

// Answers the rest of the input after AnswerAtOnce stopped at a request that waits;
// replies go to `out` in the requests' order. Requests that wait for the storage run
// alongside the ones after them (ReplyOrder), each answered within storage.timeout_ms of
// the input's arrival. The last request of the input, when nothing before it is still
// waiting, is awaited here: nothing would run alongside it, and a spawned task costs more
// than the request's own wait (one request per read is how a client that does not
// pipeline sends).
storage::Task<Connection::Next> Connection::ProcessInput(std::string& out, Pass& pass) {
  Next next = pass.next;
  ReplyOrder order(out, stream_.get_executor());
  std::optional<storage::ClockBatch> batch(std::in_place);
  // The request the first pass stopped at (its reply goes to `out`: nothing waits before
  // it), then each of the rest, once handled.
  std::optional<storage::Pending<bool>> handled = std::move(pass.waiting);
  bool barrier = pass.barrier;
  std::string* target = &order.Target();
  for (;;) {
    if (handled) {
      // Most requests are answered at once; the others run from now on.
      if (handled->ready()) {
        if (!std::move(*handled).value()) next = Next::kClose;
      } else if (order.idle() && pass.lease.window().AtEnd()) {
        batch.reset();  // the thread serves other connections while this one waits
        bool keep = false;
        try {
          keep = co_await std::move(*handled).Wait();
        } catch (...) {  // as ReplyOrder reports it
          LogException(*spdlog::default_logger_raw(), "request failed", std::current_exception());
        }
        if (!keep) next = Next::kClose;
        batch.emplace();
      } else {
        order.Spawn(*target, std::move(*handled).Wait(), barrier);
      }
      handled.reset();
    }
    if (next != Next::kRead) break;
    const protocol::ParseResult& r = NextResult(pass);
    if (r.kind == protocol::ParseResult::Kind::kNeedMore) break;
    if (r.kind == protocol::ParseResult::Kind::kError) {
      AnswerError(r.error, order.Target(), next);
      continue;
    }
    ++answered_[static_cast<std::size_t>(ProtocolOf(r.request.wire))];
    barrier = r.request.verb == protocol::Verb::kReset;
    if (order.MustWait(barrier)) {
      batch.reset();
      co_await order.Ready(barrier);
      batch.emplace();
    }
    target = &order.Target();
    handled.emplace(worker_.handler().Handle(r.request, *target, client_, pass.arrival,
                                             &pass.lease.window().location()));
  }
  batch.reset();
  // The requests' views point into the input: it is consumed once all are answered.
  if (!order.idle()) {
    const bool complete = co_await order.Finish();  // (not inside a condition: g++ 12)
    if (!complete) next = Next::kClose;
  }
  input_.Consume(pass.start);
  co_return next;
}

// After a fatal protocol error or on a stop: stop sending, read and drop what the client
// still sends until it closes or a short timeout passes, so that it reads every reply and
// the connection ends with a FIN, not a reset.
storage::Task<void> Connection::Drain() {
  Touch(kDrainTimeout);
  if (worker_.settings().idle_timeout.count() == 0) {
    Watchdog();
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

// Closes the connection once its deadline passes; the deadline moves on with every read, so
// the timer re-arms when it wakes early. A plain handler, not a coroutine: an idle
// connection holds only the timer's small operation.
void Connection::Watchdog() {
  timer_.expires_at(deadline_);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    if (self->closed_) return;
    if (std::chrono::steady_clock::now() >= self->deadline_) {
      spdlog::debug("connection {}: idle timeout", self->id_);
      boost::system::error_code ignored;
      self->stream_.socket().close(ignored);
      return;
    }
    self->Watchdog();
  });
}

// One clock read per batch: each request of a read is counted with the time from the read
// to the write of the replies.
void Connection::CountLatency(std::chrono::steady_clock::time_point read_at) {
  if (answered_[0] + answered_[1] == 0) return;
  const auto took = std::chrono::steady_clock::now() - read_at;
  for (std::size_t i = 0; i < answered_.size(); ++i) {
    if (answered_[i] == 0) continue;
    worker_.counters().RequestLatency(static_cast<Protocol>(i), took, answered_[i]);
    answered_[i] = 0;
  }
}

void Connection::Touch(std::chrono::milliseconds timeout) {
  Touch(timeout, std::chrono::steady_clock::now());
}

void Connection::Touch(std::chrono::milliseconds timeout,
                       std::chrono::steady_clock::time_point now) {
  deadline_ = now + timeout;
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  stream_.socket().close(ignored);
  timer_.cancel();
  worker_.metrics().connections_open.fetch_sub(1, std::memory_order_relaxed);
  worker_.Remove(this);
}

}  // namespace limitsd::server
