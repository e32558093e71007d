#include "server/request_handler.h"

#include <spdlog/spdlog.h>

#include "protocol/reply_writer.h"

namespace limitsd::server {
namespace {

using protocol::ErrorCode;
using protocol::Verb;

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("server");
    return existing ? existing : spdlog::default_logger()->clone("server");
  }();
  return logger;
}

}  // namespace

RequestHandler::RequestHandler(limits::RateLimiter& limiter, limits::RateLimiter* fallback,
                               LimitTable& table, HandlerSettings settings, Metrics& metrics)
    : limiter_(limiter),
      fallback_(fallback),
      table_(table),
      settings_(settings),
      metrics_(metrics) {}

storage::Task<bool> RequestHandler::Handle(const protocol::Request& request, std::string& out) {
  bool keep_open = true;
  const std::shared_ptr<const limits::Limit> limit = Begin(request, out, keep_open);
  if (limit == nullptr) co_return keep_open;
  if (request.verb == Verb::kReset) {
    co_await Reset(request, *limit, out);
  } else {
    co_await Decide(request, *limit, out);
  }
  co_return true;
}

std::optional<bool> RequestHandler::TryHandleNow(const protocol::Request& request,
                                                 std::string& out) {
  if (request.verb == Verb::kReset || !limiter_.Immediate()) return std::nullopt;
  bool keep_open = true;
  const std::shared_ptr<const limits::Limit> resolved = Begin(request, out, keep_open);
  if (resolved == nullptr) return keep_open;
  const limits::Limit& limit = *resolved;
  const bool peek = request.verb != Verb::kHit;
  const std::int64_t cost = request.verb == Verb::kStats ? 1 : request.cost;
  const auto mode = peek ? storage::TakeMode::kPeek : storage::TakeMode::kHit;
  const storage::Result<limits::Decision> decision =
      limiter_.DecideNow(limit, request.key, cost, mode);
  if (decision || decision.error() == storage::StorageErrc::kUnsupported) {
    WriteOutcome(request, limit, decision, out);
  } else if (!AnswerStorageError(request, limit, decision.error(), out)) {
    // on_error: local over a store that fails immediately: nothing better to ask.
    WriteError(request.wire, ErrorCode::kStorage, decision.error().message(), out);
  }
  return true;
}

std::shared_ptr<const limits::Limit> RequestHandler::Begin(const protocol::Request& request,
                                                           std::string& out, bool& keep_open) {
  Metrics::Add(metrics_.requests);
  protocol::ReplyWriter writer(out);
  switch (request.verb) {
    case Verb::kPing: writer.Pong(request.wire, request.argument); return nullptr;
    case Verb::kQuit: writer.Bye(request.wire); keep_open = false; return nullptr;
    case Verb::kHandshake: writer.Handshake(request); return nullptr;
    default: break;
  }
  Resolution resolved = table_.Resolve(request.limit);
  if (!resolved.limit) WriteError(request.wire, resolved.error, resolved.message, out);
  return std::move(resolved.limit);
}

storage::Task<storage::Result<limits::Decision>> RequestHandler::Ask(
    limits::RateLimiter& limiter, const protocol::Request& request, const limits::Limit& limit) {
  // An exception escaping a storage (a plugin's, say) fails this request, not the daemon.
  try {
    switch (request.verb) {
      case Verb::kHit: co_return co_await limiter.Hit(limit, request.key, request.cost);
      case Verb::kTest: co_return co_await limiter.Test(limit, request.key, request.cost);
      default: co_return co_await limiter.Stats(limit, request.key);
    }
  } catch (const std::exception& e) {
    Log()->error("storage call threw: {}", e.what());
  } catch (...) {
    Log()->error("storage call threw a non-standard exception");
  }
  co_return storage::StorageErrc::kInternal;
}

storage::Task<void> RequestHandler::Decide(const protocol::Request& request,
                                           const limits::Limit& limit, std::string& out) {
  const storage::Result<limits::Decision> decision = co_await Ask(limiter_, request, limit);
  if (decision || decision.error() == storage::StorageErrc::kUnsupported) {
    WriteOutcome(request, limit, decision, out);
  } else {
    co_await OnStorageError(request, limit, decision.error(), out);
  }
}

// A decision, or the refusal of a strategy the storage lacks.
void RequestHandler::WriteOutcome(const protocol::Request& request, const limits::Limit& limit,
                                  const storage::Result<limits::Decision>& decision,
                                  std::string& out) {
  if (decision) {
    WriteDecision(request, *decision, out);
    return;
  }
  WriteError(request.wire, ErrorCode::kUnsupported,
             "the storage does not support " +
                 std::string(storage::StrategyName(limit.strategy())),
             out);
}

bool RequestHandler::AnswerStorageError(const protocol::Request& request,
                                        const limits::Limit& limit, std::error_code error,
                                        std::string& out) {
  Metrics::Add(metrics_.storage_errors);
  LogStorageError(error);
  const std::int64_t amount = limit.rates().front().amount();
  switch (settings_.on_error) {
    case config::OnError::kDeny:
      WriteDecision(request, {false, 0, amount, 0, 0, settings_.timeout_ms}, out);
      return true;
    case config::OnError::kAllow:
      WriteDecision(request, {true, 0, amount, amount, 0, 0}, out);
      return true;
    case config::OnError::kError:
      WriteError(request.wire, ErrorCode::kStorage, error.message(), out);
      return true;
    case config::OnError::kLocal: break;
  }
  return false;
}

storage::Task<void> RequestHandler::OnStorageError(const protocol::Request& request,
                                                   const limits::Limit& limit,
                                                   std::error_code error, std::string& out) {
  if (AnswerStorageError(request, limit, error, out)) co_return;
  if (fallback_ != nullptr) {
    const auto local = co_await Ask(*fallback_, request, limit);
    if (local) {
      Metrics::Add(metrics_.local_decisions);
      WriteDecision(request, *local, out);
      co_return;
    }
  }
  WriteError(request.wire, ErrorCode::kStorage, error.message(), out);
}

storage::Task<void> RequestHandler::Reset(const protocol::Request& request,
                                          const limits::Limit& limit, std::string& out) {
  if (!settings_.allow_reset) {
    WriteError(request.wire, ErrorCode::kForbidden, "RESET is disabled (allow_reset: false)",
               out);
    co_return;
  }
  storage::Result<void> cleared = storage::StorageErrc::kInternal;
  try {
    cleared = co_await limiter_.Clear(limit, request.key);
    if (fallback_ != nullptr) (void)co_await fallback_->Clear(limit, request.key);
  } catch (const std::exception& e) {
    Log()->error("storage call threw: {}", e.what());
  }
  if (!cleared) {
    Metrics::Add(metrics_.storage_errors);
    LogStorageError(cleared.error());
    WriteError(request.wire, ErrorCode::kStorage, cleared.error().message(), out);
    co_return;
  }
  protocol::ReplyWriter(out).Ok(request.wire);
}

void RequestHandler::WriteDecision(const protocol::Request& request, const limits::Decision& d,
                                   std::string& out) {
  Metrics::Add(d.allowed ? metrics_.allowed : metrics_.denied);
  protocol::ReplyWriter(out).Decision(
      request.wire, {d.allowed, d.limit, d.remaining, d.reset_ms, d.retry_ms});
}

void RequestHandler::WriteError(protocol::Wire wire, ErrorCode code, std::string_view message,
                                std::string& out) {
  Metrics::Add(metrics_.errors);
  protocol::ReplyWriter(out).Error(wire, code, message);
}

// At most one line a second per I/O thread: a backend outage must not flood the log.
void RequestHandler::LogStorageError(std::error_code error) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_error_log_ < std::chrono::seconds(1)) return;
  last_error_log_ = now;
  const char* policy = settings_.on_error == config::OnError::kLocal ? "deciding locally"
                       : settings_.on_error == config::OnError::kAllow ? "allowing"
                       : settings_.on_error == config::OnError::kDeny  ? "denying"
                                                                       : "answering ERR storage";
  Log()->warn("storage call failed: {}; {} (storage.on_error)", error.message(), policy);
}

}  // namespace limitsd::server
