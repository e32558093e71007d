#include "storage/redis/redis_connection.h"

#include <algorithm>
#include <array>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "storage/redis/redis_log.h"
#include "storage/storage_error.h"

namespace limitsd::storage::redis {
namespace {

namespace asio = boost::asio;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr SteadyClock::duration kFirstBackoff = std::chrono::milliseconds(50);
constexpr SteadyClock::duration kMaxBackoff = std::chrono::milliseconds(1000);

struct ReaderDeleter {
  void operator()(redisReader* reader) const noexcept { redisReaderFree(reader); }
};

}  // namespace

struct RedisConnection::Session {
  explicit Session(const asio::any_io_executor& executor)
      : stream(executor), reader(redisReaderCreate()), write_signal(executor) {}
  RedisStream stream;
  std::unique_ptr<redisReader, ReaderDeleter> reader;
  asio::steady_timer write_signal;
  bool writer_idle = false;
  std::string writing;  ///< the batch being written
};

struct RedisConnection::ReplyWaiter {
  ReplyWaiter(const asio::any_io_executor& executor, std::size_t expected)
      : timer(executor), expected(expected) {}
  asio::steady_timer timer;
  std::size_t expected;
  ReplyList replies;
  std::error_code error;
  bool done = false;
  Deadline sent_at = SteadyClock::now();

  void Finish() {
    done = true;
    timer.cancel();
  }
};

RedisConnection::RedisConnection(asio::any_io_executor executor, RedisEndpoint endpoint,
                                 std::shared_ptr<const SessionOptions> options)
    : executor_(executor),
      endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      ready_waiters_(executor) {}

RedisConnection::~RedisConnection() = default;

bool RedisConnection::Usable() const noexcept {
  return state_ == State::kReady || state_ == State::kConnecting ||
         (state_ == State::kIdle) ||
         (state_ == State::kBackoff && SteadyClock::now() >= retry_at_);
}

Task<Result<RedisReply>> RedisConnection::Call(std::string_view command, Deadline deadline) {
  auto replies = co_await CallMany(std::span<const std::string_view>(&command, 1), deadline);
  if (!replies) co_return replies.error();
  co_return std::move(replies->front());
}

Task<Result<ReplyList>> RedisConnection::CallMany(std::span<const std::string_view> commands,
                                                  Deadline deadline) {
  if (state_ == State::kBackoff && SteadyClock::now() >= retry_at_) state_ = State::kIdle;
  if (state_ == State::kIdle) StartConnect();
  if (state_ == State::kConnecting) {
    if (!co_await ready_waiters_.Wait(deadline)) co_return StorageErrc::kTimeout;
  }
  if (state_ != State::kReady) co_return StorageErrc::kUnavailable;
  if (pending_.size() + commands.size() > kMaxInFlight) co_return StorageErrc::kOverloaded;

  auto waiter = std::make_shared<ReplyWaiter>(executor_, commands.size());
  for (std::string_view command : commands) {
    out_.append(command);
    pending_.push_back(waiter);
  }
  if (session_->writer_idle) session_->write_signal.cancel();
  waiter->timer.expires_at(deadline);
  co_await waiter->timer.async_wait(kTuple);
  if (!waiter->done) {
    DropIfStalled();
    co_return StorageErrc::kTimeout;
  }
  if (waiter->error) co_return waiter->error;
  co_return std::move(waiter->replies);
}

void RedisConnection::StartConnect() {
  state_ = State::kConnecting;
  session_ = std::make_shared<Session>(executor_);
  asio::co_spawn(executor_, Open(session_), asio::detached);
}

Task<void> RedisConnection::Open(std::shared_ptr<Session> session) {
  auto self = shared_from_this();
  asio::steady_timer watchdog(executor_);
  watchdog.expires_after(options_->connect_timeout);
  watchdog.async_wait([session](boost::system::error_code ec) {
    if (!ec) session->stream.Close();
  });
  std::string failure;
  if (auto ec = co_await session->stream.Connect(endpoint_, *options_)) {
    failure = ec == asio::error::operation_aborted ? "connect timed out" : ec.message();
  } else if (auto hs = co_await Handshake(*session); !hs) {
    failure = hs.error() == StorageErrc::kProtocol ? "handshake refused" : hs.error().message();
  }
  watchdog.cancel();
  if (session_ != session) co_return;  // closed meanwhile
  if (!failure.empty()) {
    backoff_ = std::clamp(backoff_ * 2, kFirstBackoff, kMaxBackoff);
    RedisLog().warn("cannot connect to {}: {}; retrying in {} ms", endpoint_.Describe(), failure,
                    std::chrono::duration_cast<std::chrono::milliseconds>(backoff_).count());
    Drop(session, "");
    state_ = State::kBackoff;
    retry_at_ = SteadyClock::now() + backoff_;
    ready_waiters_.NotifyAll();
    co_return;
  }
  backoff_ = SteadyClock::duration::zero();
  state_ = State::kReady;
  RedisLog().info("connected to {}", endpoint_.Describe());
  asio::co_spawn(executor_, ReadLoop(session), asio::detached);
  asio::co_spawn(executor_, WriteLoop(session), asio::detached);
  ready_waiters_.NotifyAll();
}

Task<Result<void>> RedisConnection::Handshake(Session& session) {
  std::string batch;
  std::vector<std::string_view> expect;  // what each reply is for, for the log
  if (options_->password) {
    if (options_->username) {
      batch += FormatCommand({"AUTH", *options_->username, *options_->password});
    } else {
      batch += FormatCommand({"AUTH", *options_->password});
    }
    expect.push_back("AUTH");
  }
  const std::string db = std::to_string(options_->db);
  if (options_->db != 0) {
    batch += FormatCommand({"SELECT", db});
    expect.push_back("SELECT");
  }
  if (options_->require_master) {
    batch += FormatCommand({"ROLE"});
    expect.push_back("ROLE");
  }
  if (batch.empty()) co_return Result<void>{};
  auto [ec, n] = co_await session.stream.Write(asio::buffer(batch));
  if (ec) co_return std::error_code(ec);
  for (std::string_view what : expect) {
    auto reply = co_await ReadOne(session);
    if (!reply) co_return reply.error();
    const redisReply& r = **reply;
    bool ok = !IsError(r);
    if (ok && what == "ROLE") {
      ok = r.type == REDIS_REPLY_ARRAY && r.elements > 0 && ReplyText(*r.element[0]) == "master";
    }
    if (!ok) {
      RedisLog().warn("{} refused by {}: {}", what, endpoint_.Describe(),
                      what == "ROLE" ? "not a master" : ReplyText(r));
      co_return StorageErrc::kProtocol;
    }
  }
  co_return Result<void>{};
}

Task<Result<RedisReply>> RedisConnection::ReadOne(Session& session) {
  std::array<char, 4096> buffer;
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(session.reader.get(), &raw) != REDIS_OK) {
      co_return StorageErrc::kProtocol;
    }
    if (raw != nullptr) co_return RedisReply(static_cast<redisReply*>(raw));
    auto [ec, n] = co_await session.stream.ReadSome(asio::buffer(buffer));
    if (ec) co_return std::error_code(ec);
    redisReaderFeed(session.reader.get(), buffer.data(), n);
  }
}

Task<void> RedisConnection::ReadLoop(std::shared_ptr<Session> session) {
  auto self = shared_from_this();
  std::vector<char> buffer(16 * 1024);
  for (;;) {
    auto [ec, n] = co_await session->stream.ReadSome(asio::buffer(buffer));
    if (session_ != session) co_return;
    if (ec) {
      Drop(session, ec == asio::error::eof ? "closed by the server" : ec.message());
      co_return;
    }
    if (redisReaderFeed(session->reader.get(), buffer.data(), n) != REDIS_OK) {
      Drop(session, "unreadable reply");
      co_return;
    }
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(session->reader.get(), &raw) != REDIS_OK) {
        Drop(session, session->reader->errstr);
        co_return;
      }
      if (raw == nullptr) break;
      if (pending_.empty()) {
        freeReplyObject(raw);
        Drop(session, "reply without a request");
        co_return;
      }
      Deliver(RedisReply(static_cast<redisReply*>(raw)));
    }
  }
}

void RedisConnection::Deliver(RedisReply reply) {
  auto waiter = std::move(pending_.front());
  pending_.pop_front();
  if (waiter->done) return;  // the call was failed already
  waiter->replies.push_back(std::move(reply));
  if (waiter->replies.size() == waiter->expected) waiter->Finish();
}

Task<void> RedisConnection::WriteLoop(std::shared_ptr<Session> session) {
  auto self = shared_from_this();
  while (session_ == session) {
    if (out_.empty()) {
      session->writer_idle = true;
      session->write_signal.expires_at(Deadline::max());
      co_await session->write_signal.async_wait(kTuple);
      session->writer_idle = false;
      continue;
    }
    std::swap(out_, session->writing);
    auto [ec, n] = co_await session->stream.Write(asio::buffer(session->writing));
    session->writing.clear();
    if (ec) {
      Drop(session, ec.message());
      co_return;
    }
  }
}

void RedisConnection::Drop(const std::shared_ptr<Session>& session, std::string_view why) {
  if (session_ != session || !session) return;
  if (!why.empty()) {
    RedisLog().warn("connection to {} lost: {}", endpoint_.Describe(), why);
  }
  session->stream.Close();
  session->write_signal.cancel();
  session_.reset();
  out_.clear();
  if (state_ != State::kClosed) state_ = State::kIdle;  // reconnect on the next call
  FailPending(StorageErrc::kUnavailable);
}

void RedisConnection::DropIfStalled() {
  if (pending_.empty() || !session_) return;
  const auto waited = SteadyClock::now() - pending_.front()->sent_at;
  if (waited >= options_->stall_timeout) {
    Drop(session_, fmt::format("no reply for {} ms",
                               std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()));
  }
}

void RedisConnection::FailPending(std::error_code error) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& waiter : pending) {
    if (waiter->done) continue;
    waiter->error = error;
    waiter->Finish();
  }
}

void RedisConnection::Close() {
  const auto session = session_;
  state_ = State::kClosed;
  Drop(session, "");
  ready_waiters_.NotifyAll();
}

}  // namespace limitsd::storage::redis
