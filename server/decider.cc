#include "server/decider.h"

#include <spdlog/spdlog.h>

#include "server/generation.h"

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

std::string UnsupportedMessage(const limits::Limit& limit) {
  return "the storage does not support " + std::string(storage::StrategyName(limit.strategy()));
}

// Awaits a storage call; an exception escaping a storage (a plugin's, say) fails this
// request, not the daemon.
template <class T>
storage::Task<storage::Result<T>> Guarded(storage::Pending<storage::Result<T>> pending) {
  try {
    co_return co_await std::move(pending).Wait();
  } catch (const std::exception& e) {
    Log()->error("storage call threw: {}", e.what());
  } catch (...) {
    Log()->error("storage call threw a non-standard exception");
  }
  co_return storage::StorageErrc::kInternal;
}

}  // namespace

Answer Answer::Error(ErrorCode code, std::string message,
                     std::shared_ptr<const limits::Limit> limit) {
  Answer a;
  a.kind = Kind::kError;
  a.error = code;
  a.message = std::move(message);
  a.limit = std::move(limit);
  return a;
}

Decider::Decider(limits::RateLimiter& limiter, limits::RateLimiter* fallback, LimitTable& table,
                 DeciderSettings settings, Metrics& metrics)
    : limiter_(&limiter),
      fallback_(fallback),
      table_(table),
      settings_(settings),
      metrics_(metrics) {}

Decider::Decider(std::shared_ptr<const Generation> generation, LimitTable& table,
                 Metrics& metrics)
    : limiter_(&generation->backend->limiter()),
      fallback_(generation->backend->fallback()),
      generation_(generation),
      table_(table),
      settings_(generation->settings),
      metrics_(metrics) {}

void Decider::Apply(std::shared_ptr<const Generation> generation) {
  Backend& backend = *generation->backend;
  limits::RateLimiter* limiter = &backend.limiter();
  table_.Replace(generation->limits, generation->default_strategy, generation->allow_inline,
                 [limiter](limits::StrategyKind kind) { return limiter->Serves(kind); });
  limiter_ = limiter;
  fallback_ = backend.fallback();
  settings_ = generation->settings;
  generation_ = std::move(generation);
}

storage::Pending<Answer> Decider::Decide(const Query& query) {
  Resolution resolved = table_.Resolve(query.limit);
  if (!resolved.limit) return Failed(resolved.error, std::move(resolved.message));
  return Decide(query.verb, std::move(resolved.limit), query.key, query.cost);
}

storage::Pending<Answer> Decider::Decide(Verb verb, std::shared_ptr<const limits::Limit> limit,
                                         std::string_view key, std::int64_t cost) {
  if (verb == Verb::kReset) {
    if (!settings_.allow_reset) {
      return Failed(ErrorCode::kForbidden, "RESET is disabled (allow_reset: false)",
                    std::move(limit));
    }
    return Reset(std::move(limit), key, limiter_, fallback_);
  }
  const auto mode = verb == Verb::kHit ? storage::TakeMode::kHit : storage::TakeMode::kPeek;
  if (verb == Verb::kStats) cost = 1;
  storage::Pending<storage::Result<limits::Decision>> pending =
      limiter_->Decide(*limit, key, cost, mode);
  if (pending.ready()) {
    if (std::optional<Answer> answer = Settle(limit, pending.value(), fallback_)) {
      return std::move(*answer);
    }
  }
  return Await(std::move(pending), std::move(limit), key, cost, mode, fallback_);
}

storage::Task<Answer> Decider::Await(storage::Pending<storage::Result<limits::Decision>> pending,
                                     std::shared_ptr<const limits::Limit> limit,
                                     std::string_view key, std::int64_t cost,
                                     storage::TakeMode mode, limits::RateLimiter* fallback) {
  const storage::Result<limits::Decision> result = co_await Guarded(std::move(pending));
  if (std::optional<Answer> answer = Settle(limit, result, fallback)) {
    co_return std::move(*answer);
  }
  // on_error: local. The fallback is a memory store: its answer is ready or awaited alike.
  const storage::Result<limits::Decision> local =
      co_await Guarded(fallback->Decide(*limit, key, cost, mode));
  if (local) {
    Metrics::Add(metrics_.local_decisions);
    co_return Decided(limit, *local, Answer::Source::kLocal);
  }
  co_return Failed(ErrorCode::kStorage, result.error().message(), std::move(limit));
}

std::optional<Answer> Decider::Settle(const std::shared_ptr<const limits::Limit>& limit,
                                      const storage::Result<limits::Decision>& result,
                                      const limits::RateLimiter* fallback) {
  if (result) return Decided(limit, *result, Answer::Source::kStorage);
  const std::error_code error = result.error();
  if (error == storage::StorageErrc::kUnsupported) {
    return Failed(ErrorCode::kUnsupported, UnsupportedMessage(*limit), limit);
  }
  Metrics::Add(metrics_.storage_errors);
  LogStorageError(error);
  const std::int64_t amount = limit->rates().front().amount();
  switch (settings_.on_error) {
    case config::OnError::kDeny:
      return Decided(limit, {false, 0, amount, 0, 0, settings_.timeout_ms},
                     Answer::Source::kSubstituted);
    case config::OnError::kAllow:
      return Decided(limit, {true, 0, amount, amount, 0, 0}, Answer::Source::kSubstituted);
    case config::OnError::kLocal:
      if (fallback != nullptr) return std::nullopt;
      break;
    case config::OnError::kError: break;
  }
  return Failed(ErrorCode::kStorage, error.message(), limit);
}

storage::Task<Answer> Decider::Reset(std::shared_ptr<const limits::Limit> limit,
                                     std::string_view key, limits::RateLimiter* limiter,
                                     limits::RateLimiter* fallback) {
  storage::Result<void> cleared = storage::StorageErrc::kInternal;
  try {
    cleared = co_await limiter->Clear(*limit, key);
    if (fallback != nullptr) (void)co_await fallback->Clear(*limit, key);
  } catch (const std::exception& e) {
    Log()->error("storage call threw: {}", e.what());
  }
  if (!cleared) {
    Metrics::Add(metrics_.storage_errors);
    LogStorageError(cleared.error());
    co_return Failed(ErrorCode::kStorage, cleared.error().message(), std::move(limit));
  }
  Answer answer;
  answer.kind = Answer::Kind::kCleared;
  answer.limit = std::move(limit);
  co_return answer;
}

Answer Decider::Decided(const std::shared_ptr<const limits::Limit>& limit,
                        const limits::Decision& d, Answer::Source source) {
  Metrics::Add(d.allowed ? metrics_.allowed : metrics_.denied);
  Answer answer;
  answer.kind = Answer::Kind::kDecision;
  answer.decision = d;
  answer.source = source;
  answer.limit = limit;
  return answer;
}

Answer Decider::Failed(ErrorCode code, std::string message,
                       std::shared_ptr<const limits::Limit> limit) {
  Metrics::Add(metrics_.errors);
  return Answer::Error(code, std::move(message), std::move(limit));
}

// At most one line a second per I/O thread: a backend outage must not flood the log.
void Decider::LogStorageError(std::error_code error) {
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
