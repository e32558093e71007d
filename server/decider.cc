#include "server/decider.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "server/generation.h"
#include "server/logging.h"

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

// Logs the exception being handled, which escaped a storage call (a plugin's, say): it
// fails that request, not the daemon.
void LogStorageThrow() noexcept {
  LogException(*Log(), "storage call threw", std::current_exception());
}

// Awaits a storage call; an exception escaping it becomes StorageErrc::kInternal.
template <class T>
storage::Task<storage::Result<T>> Guarded(storage::Pending<storage::Result<T>> pending) {
  try {
    co_return co_await std::move(pending).Wait();
  } catch (...) {
    LogStorageThrow();
  }
  co_return storage::StorageErrc::kInternal;
}

}  // namespace

Answer Answer::Error(ErrorCode code, std::string message, const limits::Limit* limit) {
  Answer a;
  a.kind = Kind::kError;
  a.error = code;
  a.message = std::move(message);
  a.limit = limit;
  return a;
}

Decider::Decider(limits::RateLimiter& limiter, limits::RateLimiter* fallback, LimitTable& table,
                 DeciderSettings settings, ThreadMetrics& metrics)
    : limiter_(&limiter),
      fallback_(fallback),
      table_(table),
      settings_(settings),
      metrics_(metrics) {}

Decider::Decider(std::shared_ptr<const Generation> generation, LimitTable& table,
                 ThreadMetrics& metrics)
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
  table_.SetMaxInlineWindow(generation->max_inline_window_seconds, generation->max_inline_window);
  if (limiter != limiter_) {  // a new storage starts trusted, with its own windows
    breaker_ = CircuitBreaker();
    hand_back_.Clear();
    metrics_.BreakerOpen(false);
  }
  limiter_ = limiter;
  fallback_ = backend.fallback();
  settings_ = generation->settings;
  generation_ = std::move(generation);
  last_info_limit_ = nullptr;
  last_info_ = nullptr;
  info_.clear();  // names may have become configured, or stopped being
}

void Decider::Prefetch(std::string_view limit, std::string_view key,
                       storage::KeyLocation* at) const noexcept {
  if (const limits::Limit* resolved = table_.Find(limit)) limiter_->Prefetch(*resolved, key, at);
}

storage::Pending<Answer> Decider::Decide(const Query& query) {
  // The table's own limit, borrowed: nothing changes the table until Decide returns, and a
  // task that has to wait takes a reference of its own.
  Resolution resolved = table_.Resolve(query.limit);
  if (resolved.limit == nullptr) {
    return Counted(query.protocol, query.verb, Failed(resolved.error, std::move(resolved.message)));
  }
  return Decide(query.verb, *resolved.shared, query.key, query.cost, query.protocol, query.arrival,
                query.location);
}

storage::Pending<Answer> Decider::Decide(Verb verb,
                                         const std::shared_ptr<const limits::Limit>& limit,
                                         std::string_view key, std::int64_t cost, Protocol protocol,
                                         std::chrono::steady_clock::time_point arrival,
                                         const storage::KeyLocation* at) {
  if (verb == Verb::kReset) {
    if (!settings_.allow_reset) {
      return Counted(
          protocol, verb,
          Failed(ErrorCode::kForbidden, "RESET is disabled (allow_reset: false)", limit.get()));
    }
    return Reset(limit, key, limiter_, fallback_, protocol);
  }
  const auto mode = verb == Verb::kHit ? storage::TakeMode::kHit : storage::TakeMode::kPeek;
  if (verb == Verb::kStats) cost = 1;
  storage::Pending<storage::Result<limits::Decision>> pending =
      limiter_->Decide(*limit, key, cost, mode, at);
  if (pending.ready()) {
    const storage::Result<limits::Decision>& result = pending.value();
    // The common case: the answer is built once, where it is returned.
    if (result) return DecidedNow(limit, *result, protocol, verb);
    if (std::optional<Answer> answer = Settle(limit, result, fallback_)) {
      return Counted(protocol, verb, std::move(*answer));
    }
    return Await(std::move(pending), limit, key, cost, mode, fallback_, verb, protocol, false);
  }
  // The storage must be waited for. Not when the request has waited timeout_ms already,
  // and not while the breaker holds calls back: then the call (not started yet: a task
  // starts when awaited) is dropped and on_error answers.
  const auto now = std::chrono::steady_clock::now();
  std::optional<storage::StorageErrc> refused;
  if (arrival != std::chrono::steady_clock::time_point{} &&
      now >= arrival + std::chrono::milliseconds(settings_.timeout_ms)) {
    refused = storage::StorageErrc::kTimeout;
  } else if (!breaker_.Allow(now)) {
    refused = storage::StorageErrc::kCircuitOpen;
  }
  if (!refused) {
    return Await(std::move(pending), limit, key, cost, mode, fallback_, verb, protocol, true);
  }
  const storage::Result<limits::Decision> failed = *refused;
  if (std::optional<Answer> answer = Settle(limit, failed, fallback_)) {
    return Counted(protocol, verb, std::move(*answer));
  }
  return Await(failed, limit, key, cost, mode, fallback_, verb, protocol, false);
}

storage::Task<Answer> Decider::Await(storage::Pending<storage::Result<limits::Decision>> pending,
                                     std::shared_ptr<const limits::Limit> limit,
                                     std::string_view key, std::int64_t cost,
                                     storage::TakeMode mode, limits::RateLimiter* fallback,
                                     Verb verb, Protocol protocol, bool tracked) {
  const auto start = std::chrono::steady_clock::now();
  // Guarded's work in this frame: the storage's task is awaited directly, with no frame
  // between (a request that waits on redis:// built one more for it).
  storage::Result<limits::Decision> result = storage::StorageErrc::kInternal;
  try {
    result = co_await std::move(pending).Wait();
  } catch (...) {
    LogStorageThrow();
  }
  if (tracked) {
    metrics_.StorageLatency(std::chrono::steady_clock::now() - start);
    Track(result || result.error() == storage::StorageErrc::kUnsupported ||
          result.error() == storage::StorageErrc::kFull);
    if (result && !hand_back_.empty() && !handing_back_) {
      handing_back_ = true;
      boost::asio::co_spawn(co_await boost::asio::this_coro::executor, HandBack(),
                            boost::asio::detached);
    }
  }
  // The answer outlives this frame: it keeps the limit alive (a reload may have dropped
  // the table's meanwhile).
  if (std::optional<Answer> answer = Settle(limit, result, fallback)) {
    answer->owner = std::move(limit);
    co_return Counted(protocol, verb, std::move(*answer));
  }
  // on_error: local. The fallback is a memory store: its answer is ready or awaited alike.
  const storage::Result<limits::Decision> local =
      co_await Guarded(fallback->Decide(*limit, key, cost, mode));
  if (local) {
    metrics_.LocalDecision();
    if (mode == storage::TakeMode::kHit && local->allowed && cost > 0) {
      RecordLocal(limit, key, cost);
    }
    Answer answer = Decided(limit, *local, Answer::Source::kLocal);
    answer.owner = std::move(limit);
    co_return Counted(protocol, verb, std::move(answer));
  }
  Answer failed = local.error() == storage::StorageErrc::kFull
                      ? Failed(ErrorCode::kStorageFull, local.error().message(), limit.get())
                      : Failed(ErrorCode::kStorage, result.error().message(), limit.get());
  failed.owner = std::move(limit);
  co_return Counted(protocol, verb, std::move(failed));
}

void Decider::RecordLocal(const std::shared_ptr<const limits::Limit>& limit, std::string_view key,
                          std::int64_t cost) {
  if (!hand_back_.Record(limit, key, cost, std::chrono::steady_clock::now())) {
    metrics_.HandBack(0, cost);
  }
}

storage::Task<void> Decider::HandBack() {
  handing_back_ = true;
  // The storage the units were admitted for; a reload that swaps it clears the ledger.
  limits::RateLimiter* limiter = limiter_;
  const std::shared_ptr<const Generation> generation = generation_;
  std::int64_t applied = 0;
  std::int64_t dropped = 0;
  while (limiter_ == limiter) {
    std::optional<HandBackLedger::Entry> entry =
        hand_back_.Pop(std::chrono::steady_clock::now(), dropped);
    if (!entry) break;
    // All of it when the windows take it, else what they still take: the windows end full.
    std::int64_t cost = entry->cost;
    storage::Result<limits::Decision> taken = storage::StorageErrc::kInternal;
    for (int attempt = 0; attempt < 2 && cost > 0; ++attempt) {
      taken = co_await Guarded(
          limiter->Decide(*entry->limit, entry->key, cost, storage::TakeMode::kHit));
      if (!taken || taken->allowed) break;
      cost = std::min(cost, taken->remaining);
    }
    if (!taken) {  // failing again: keep it for the next time the storage answers
      if (limiter_ == limiter) hand_back_.Restore(std::move(*entry));
      break;
    }
    const std::int64_t took = taken->allowed ? cost : 0;
    applied += took;
    dropped += entry->cost - took;
  }
  metrics_.HandBack(applied, dropped);
  if (applied > 0 || dropped > 0) {
    Log()->info(
        "storage answers again: handed back {} units that on_error: local admitted "
        "({} more no longer fit the storage's windows)",
        applied, dropped);
  }
  handing_back_ = false;
}

void Decider::Track(bool succeeded) {
  const bool was_open = breaker_.open();
  if (succeeded) {
    breaker_.Succeeded();
  } else {
    breaker_.Failed(std::chrono::steady_clock::now());
  }
  if (was_open == breaker_.open()) return;
  metrics_.BreakerOpen(breaker_.open());
  if (was_open) {
    Log()->info("storage answers again: circuit breaker closed");
  } else {
    Log()->warn("storage failed {} times in a row: circuit breaker open, calls held back for "
                "{} ms at a time (storage.on_error answers meanwhile)",
                CircuitBreaker::kFailuresToOpen, CircuitBreaker::kOpenFor.count());
  }
}

std::optional<Answer> Decider::Settle(const std::shared_ptr<const limits::Limit>& limit,
                                      const storage::Result<limits::Decision>& result,
                                      const limits::RateLimiter* fallback) {
  if (result) return Decided(limit, *result, Answer::Source::kStorage);
  const std::error_code error = result.error();
  if (error == storage::StorageErrc::kUnsupported) {
    return Failed(ErrorCode::kUnsupported, UnsupportedMessage(*limit), limit.get());
  }
  // A full store is its configured answer to one more key, not a failure: storage.on_error
  // does not apply, and the backend is not counted as failing.
  if (error == storage::StorageErrc::kFull) {
    return Failed(ErrorCode::kStorageFull, error.message(), limit.get());
  }
  metrics_.StorageError(error);
  LogStorageError(error);
  const std::int64_t amount = limit->Params(0).limit;  // for gcra the burst
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
  return Failed(ErrorCode::kStorage, error.message(), limit.get());
}

storage::Task<Answer> Decider::Reset(std::shared_ptr<const limits::Limit> limit,
                                     std::string_view key, limits::RateLimiter* limiter,
                                     limits::RateLimiter* fallback, Protocol protocol) {
  storage::Result<void> cleared = storage::StorageErrc::kInternal;
  try {
    cleared = co_await limiter->Clear(*limit, key);
    if (fallback != nullptr) (void)co_await fallback->Clear(*limit, key);
  } catch (...) {
    LogStorageThrow();
  }
  if (!cleared) {
    metrics_.StorageError(cleared.error());
    LogStorageError(cleared.error());
    Answer failed = Failed(ErrorCode::kStorage, cleared.error().message(), limit.get());
    failed.owner = std::move(limit);
    co_return Counted(protocol, Verb::kReset, std::move(failed));
  }
  Answer answer;
  answer.kind = Answer::Kind::kCleared;
  answer.limit = limit.get();
  answer.owner = std::move(limit);
  co_return Counted(protocol, Verb::kReset, std::move(answer));
}

std::shared_ptr<const EnvoyLimits> Decider::envoy() const {
  return generation_ ? generation_->envoy : nullptr;
}

std::shared_ptr<boost::asio::ssl::context> Decider::tls() const {
  return generation_ ? generation_->tls : nullptr;
}

const Password* Decider::password() const noexcept {
  return generation_ ? generation_->password.get() : nullptr;
}

const Password* Decider::admin_password() const noexcept {
  return generation_ ? generation_->admin_password.get() : nullptr;
}

storage::Task<bool> Decider::GiveBack(std::shared_ptr<const limits::Limit> limit, std::string key,
                                      std::int64_t cost) {
  storage::Result<void> done = storage::StorageErrc::kInternal;
  // The storage of the hit, even if a reload swaps in another meanwhile.
  const std::shared_ptr<const Generation> generation = generation_;
  limits::RateLimiter* limiter = limiter_;
  try {
    done = co_await limiter->GiveBack(*limit, key, cost);
  } catch (...) {
    LogStorageThrow();
  }
  if (!done && done.error() != storage::StorageErrc::kUnsupported) {
    metrics_.StorageError(done.error());
    LogStorageError(done.error());
  }
  co_return static_cast<bool>(done);
}

storage::Pending<Answer> Decider::DecidedNow(const std::shared_ptr<const limits::Limit>& limit,
                                             const limits::Decision& d, Protocol protocol,
                                             Verb verb) {
  // Built where it is returned: GCC elides the copy of `ready` (NRVO); without that it
  // would cost one move of the Pending, as before.
  storage::Pending<Answer> ready(std::in_place);
  Decided(ready.value(), limit, d, Answer::Source::kStorage);
  Count(protocol, verb, ready.value());
  return ready;
}

// One answer object for every outcome, so that the caller's copy is this one (NRVO).
Answer Decider::Decided(const std::shared_ptr<const limits::Limit>& limit,
                        const limits::Decision& d, Answer::Source source) {
  Answer answer;
  Decided(answer, limit, d, source);
  return answer;
}

void Decider::Decided(Answer& answer, const std::shared_ptr<const limits::Limit>& limit,
                      const limits::Decision& d, Answer::Source source) {
  const LimitInfo& info = InfoOf(limit);
  LimitCounters& counters = *info.counters;
  answer.kind = Answer::Kind::kDecision;
  answer.decision = d;
  answer.source = source;
  answer.limit = limit.get();
  if (!d.allowed && info.shadow) {
    counters.shadow.Add();
    answer.decision.allowed = true;
    answer.decision.retry_ms = 0;
    answer.shadowed = true;
  } else if (!d.allowed) {
    counters.denied.Add();
  } else {
    counters.allowed.Add();
    // 80% or more of the binding rate used (exact in integers).
    if (d.limit > 0 && (d.limit - d.remaining) * 5 >= d.limit * 4) counters.near_limit.Add();
  }
}

Answer Decider::Failed(ErrorCode code, std::string message, const limits::Limit* limit) {
  return Answer::Error(code, std::move(message), limit);
}

Answer Decider::Counted(Protocol protocol, Verb verb, Answer answer) {
  Count(protocol, verb, answer);
  return answer;
}

void Decider::Count(Protocol protocol, Verb verb, const Answer& answer) {
  RequestResult result = RequestResult::kOk;
  switch (answer.kind) {
    case Answer::Kind::kDecision:
      result = answer.decision.allowed ? RequestResult::kAllowed : RequestResult::kDenied;
      break;
    case Answer::Kind::kCleared: break;
    case Answer::Kind::kError:
      result = RequestResult::kError;
      metrics_.Error(protocol, answer.error);
      break;
  }
  metrics_.Request(protocol, verb, result);
}

// Configured limits are counted under their name, inline ones together (their number is
// up to the clients), limits a caller built itself (Envoy descriptors) under their name.
const Decider::LimitInfo& Decider::InfoOf(const std::shared_ptr<const limits::Limit>& limit) {
  if (limit.get() == last_info_limit_) return *last_info_;
  if (const auto it = info_.find(limit); it != info_.end()) {
    last_info_limit_ = limit.get();
    last_info_ = &it->second;
    return it->second;
  }
  if (info_.size() >= kMaxInfo) info_.clear();
  const bool configured = table_.IsConfigured(*limit);
  const bool inline_limit = !configured && limits::LooksInline(limit->name());
  LimitInfo info;
  info.counters = &metrics_.Limit(inline_limit ? std::string_view("(inline)") : limit->name());
  info.shadow = settings_.shadow_all ||
                (configured && generation_ && generation_->shadowed->contains(limit->name()));
  const LimitInfo& entry = info_.emplace(limit, info).first->second;
  last_info_limit_ = limit.get();
  last_info_ = &entry;
  return entry;
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
