#include "storage/memcached/memcached_connection.h"

#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "storage/storage_error.h"

namespace limitsd::storage::memcached {
namespace asio = boost::asio;
namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Detached loops must never take the daemon down: an escaped exception (only bad_alloc can
// get here) ends that loop alone.
void SpawnDetached(const asio::any_io_executor& executor, Task<void> task) {
  asio::co_spawn(executor, std::move(task), [](const std::exception_ptr&) {});
}

}  // namespace

std::string ServerAddress::Name() const {
  if (!unix_path.empty()) return unix_path;
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

MemcachedConnection::MemcachedConnection(asio::any_io_executor executor, ServerAddress address,
                                         ConnectionOptions options)
    : executor_(std::move(executor)),
      address_(std::move(address)),
      options_(options),
      socket_(executor_),
      backoff_(options.backoff_initial) {}

Task<Result<MemcachedReply>> MemcachedConnection::Call(std::string command, Deadline deadline) {
  const auto now = std::chrono::steady_clock::now();
  if (state_ == State::kClosed || (state_ == State::kIdle && now < retry_at_)) {
    co_return std::error_code(StorageErrc::kUnavailable);
  }
  if (to_write_.size() + in_flight_.size() >= options_.max_pending) {
    co_return std::error_code(StorageErrc::kOverloaded);
  }
  auto self = shared_from_this();
  auto pending = std::make_shared<Pending>(std::move(command), executor_);
  to_write_.push_back(pending);
  if (state_ == State::kIdle) {
    state_ = State::kConnecting;
    SpawnDetached(executor_, Connect(generation_));
  } else {
    StartWriting();
  }
  pending->timer.expires_at(deadline);
  co_await pending->timer.async_wait(kUseTuple);
  if (pending->result) co_return std::move(*pending->result);
  pending->abandoned = true;  // its reply, if it comes, is read and dropped
  co_return std::error_code(StorageErrc::kTimeout);
}

void MemcachedConnection::Close() {
  state_ = State::kClosed;
  Fail(StorageErrc::kUnavailable);
}

void MemcachedConnection::Complete(Pending& p, Result<MemcachedReply> result) {
  if (p.abandoned) return;
  p.result = std::move(result);
  p.timer.cancel();
}

Task<void> MemcachedConnection::Connect(std::uint64_t generation) {
  auto self = shared_from_this();
  const std::error_code ec = co_await OpenSocket();
  if (generation != generation_ || state_ != State::kConnecting) co_return;  // closed meanwhile
  if (ec) {
    Fail(StorageErrc::kUnavailable);
    co_return;
  }
  OnConnected();
}

Task<std::error_code> MemcachedConnection::OpenSocket() {
  using Endpoint = asio::generic::stream_protocol::endpoint;
  struct Attempt {
    bool done = false;
    bool timed_out = false;
  };
  auto attempt = std::make_shared<Attempt>();
  asio::steady_timer guard(executor_);
  guard.expires_after(options_.connect_timeout);
  guard.async_wait([self = shared_from_this(), attempt](boost::system::error_code ec) {
    if (ec || attempt->done) return;
    attempt->timed_out = true;
    self->socket_.close(ec);
  });
  boost::system::error_code ec;
  if (!address_.unix_path.empty()) {
    std::tie(ec) = co_await socket_.async_connect(
        Endpoint(asio::local::stream_protocol::endpoint(address_.unix_path)), kUseTuple);
  } else {
    asio::ip::tcp::resolver resolver(executor_);
    auto [resolve_ec, results] =
        co_await resolver.async_resolve(address_.host, std::to_string(address_.port), kUseTuple);
    ec = resolve_ec;
    for (const auto& entry : results) {
      if (attempt->timed_out) break;
      boost::system::error_code ignored;
      socket_.close(ignored);
      std::tie(ec) = co_await socket_.async_connect(Endpoint(entry.endpoint()), kUseTuple);
      if (!ec) {
        socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
        break;
      }
    }
  }
  attempt->done = true;
  guard.cancel();
  if (attempt->timed_out) ec = asio::error::timed_out;
  co_return ec;
}

void MemcachedConnection::OnConnected() {
  state_ = State::kOpen;
  backoff_ = options_.backoff_initial;
  SpawnDetached(executor_, ReadLoop(generation_));
  StartWriting();
}

void MemcachedConnection::StartWriting() {
  if (state_ != State::kOpen || writing_ || to_write_.empty()) return;
  writing_ = true;
  SpawnDetached(executor_, WriteLoop(generation_));
}

Task<void> MemcachedConnection::WriteLoop(std::uint64_t generation) {
  auto self = shared_from_this();
  std::string batch;
  while (generation == generation_ && !to_write_.empty()) {
    batch.clear();
    for (PendingPtr& p : to_write_) {
      if (p->abandoned) continue;
      batch += p->command;
      std::string().swap(p->command);
      in_flight_.push_back(std::move(p));
    }
    to_write_.clear();
    if (batch.empty()) continue;
    auto [ec, written] = co_await asio::async_write(socket_, asio::buffer(batch), kUseTuple);
    if (generation != generation_) co_return;
    if (ec) {
      Fail(StorageErrc::kUnavailable);
      co_return;
    }
  }
  if (generation == generation_) writing_ = false;
}

Task<void> MemcachedConnection::ReadLoop(std::uint64_t generation) {
  auto self = shared_from_this();
  std::string buffer;
  std::array<char, 16 * 1024> chunk{};
  while (generation == generation_) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(chunk), kUseTuple);
    if (generation != generation_) co_return;
    if (ec) {
      Fail(StorageErrc::kUnavailable);
      co_return;
    }
    buffer.append(chunk.data(), n);
    if (!DispatchReplies(buffer)) {
      Fail(StorageErrc::kProtocol);
      co_return;
    }
  }
}

bool MemcachedConnection::DispatchReplies(std::string& buffer) {
  std::size_t offset = 0;
  while (true) {
    MemcachedReply reply;
    std::size_t used = 0;
    const ParseStatus status =
        ReplyParser::Parse(std::string_view(buffer).substr(offset), reply, used);
    if (status == ParseStatus::kIncomplete) break;
    if (status == ParseStatus::kMalformed || in_flight_.empty()) return false;
    offset += used;
    PendingPtr p = std::move(in_flight_.front());
    in_flight_.pop_front();
    const bool broken = BreaksStream(reply);
    Complete(*p, std::move(reply));
    if (broken) return false;
  }
  buffer.erase(0, offset);
  return true;
}

void MemcachedConnection::Fail(std::error_code reason) {
  ++generation_;
  writing_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (state_ != State::kClosed) {
    state_ = State::kIdle;
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  }
  std::deque<PendingPtr> failed = std::move(in_flight_);
  failed.insert(failed.end(), to_write_.begin(), to_write_.end());
  in_flight_.clear();
  to_write_.clear();
  for (const PendingPtr& p : failed) Complete(*p, reason);
}

}  // namespace limitsd::storage::memcached
