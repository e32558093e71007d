#pragma once
// The one entry point of every front door (line protocol and RESP, HTTP, Envoy's gRPC
// service): a verb on a limit for a key, answered as a decision, a cleared window or an
// error. It resolves the limit token, asks the rate limiter, applies storage.on_error when
// the backend fails, and counts the outcome. The front doors only turn their requests into
// a Query and the Answer into their own wire format. One Decider per I/O thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "limits/rate_limiter.h"
#include "protocol/request.h"
#include "server/circuit_breaker.h"
#include "server/hand_back_ledger.h"
#include "server/limit_table.h"
#include "server/metrics.h"
#include "storage/pending.h"

namespace boost::asio::ssl {
class context;
}

namespace limitsd::server {

/// What a front door asks. The views must stay valid until the answer is ready.
struct Query {
  protocol::Verb verb = protocol::Verb::kHit;  ///< kHit, kTest, kStats or kReset
  std::string_view limit;  ///< a configured name or an inline limit `[strategy:]rate[;rate...]`
  std::string_view key;
  std::int64_t cost = 1;   ///< kHit and kTest; kStats asks with 1
  Protocol protocol = Protocol::kLine;  ///< the front door, for the metrics
  /// When the request was read (default: unknown). A request still waiting to be sent to
  /// the storage storage.timeout_ms after it (behind others of its connection) is
  /// answered by storage.on_error at once, so that every answer comes within about
  /// timeout_ms of the request's arrival.
  std::chrono::steady_clock::time_point arrival{};
  /// Where the prefetch of this request found its key (Decider::Prefetch), or null; read
  /// during Decide only, and used only where it still holds (RateLimiter::Decide). A location
  /// is matched by the key view's address and size, not its bytes: pass one only while the
  /// bytes `key` points at are those the prefetch saw (the connection's unconsumed input).
  const storage::KeyLocation* location = nullptr;
};

struct Answer {
  enum class Kind : std::uint8_t {
    kDecision,  ///< HIT, TEST, STATS: `decision` holds it
    kCleared,   ///< RESET done
    kError,     ///< `error` and `message` say what went wrong
  };
  Kind kind = Kind::kError;
  limits::Decision decision{};
  /// How the decision was made when the storage failed: by the memory store of
  /// on_error: local, or substituted by on_error: allow / deny.
  enum class Source : std::uint8_t { kStorage, kLocal, kSubstituted };
  Source source = Source::kStorage;
  protocol::ErrorCode error = protocol::ErrorCode::kStorage;
  std::string message;
  /// The resolved limit (its rates name the binding rate); null when it did not resolve.
  /// An answer that was ready at once borrows it from the Decider's limit table or from the
  /// caller's limit: read it before this thread decides again or applies a reload. An
  /// awaited answer owns it (`owner`).
  const limits::Limit* limit = nullptr;
  /// Keeps `limit` alive; set on the answers that were awaited, null on the others.
  std::shared_ptr<const limits::Limit> owner;

  /// The limit denied, and the answer allows because the limit is in shadow mode
  /// (`shadow: true`): `decision` says allowed with retry_ms 0, and keeps the limit's own
  /// remaining and reset_ms. Front doors say so on their wire.
  bool shadowed = false;

  static Answer Error(protocol::ErrorCode code, std::string message,
                      const limits::Limit* limit = nullptr);
};

struct Generation;
class EnvoyLimits;
class Password;

struct DeciderSettings {
  bool allow_reset = true;
  bool shadow_all = false;  ///< the top-level `shadow: true`: every limit in shadow mode
  config::OnError on_error = config::OnError::kError;
  std::int64_t timeout_ms = 50;
};

class Decider {
 public:
  /// `fallback` decides when on_error is local (a memory store); may be null otherwise.
  Decider(limits::RateLimiter& limiter, limits::RateLimiter* fallback, LimitTable& table,
          DeciderSettings settings, ThreadMetrics& metrics);
  /// Decides with `generation` (its storage, limits and settings), resolving into `table`.
  Decider(std::shared_ptr<const Generation> generation, LimitTable& table,
          ThreadMetrics& metrics);

  /// Swaps in a reloaded configuration for the requests that follow (on this thread);
  /// requests in flight finish with the one they started with.
  void Apply(std::shared_ptr<const Generation> generation);

  /// Resolves `query.limit` and decides. Ready at once when the storage needs no I/O.
  storage::Pending<Answer> Decide(const Query& query);
  /// Starts loading into the CPU's caches what a Decide of `limit` (a token, as in Query)
  /// for `key` will read, when the limit is known already and the storage decides without
  /// waiting (RateLimiter::Prefetch); otherwise does nothing. Changes nothing: for the
  /// requests of one read, prefetched together before they are decided in turn. `at`, when
  /// not null, is an empty location that the storage may fill, for Query::location.
  void Prefetch(std::string_view limit, std::string_view key,
                storage::KeyLocation* at = nullptr) const noexcept;
  /// Decides on a limit resolved by the caller (Envoy descriptors carry their own limits).
  /// Counted under `protocol`, and under the limit's own name unless it is inline.
  /// `arrival` and `at` as in Query. The call borrows `limit` (a task that has to wait keeps
  /// a reference of its own); a ready answer borrows it too (Answer::limit).
  storage::Pending<Answer> Decide(protocol::Verb verb,
                                  const std::shared_ptr<const limits::Limit>& limit,
                                  std::string_view key, std::int64_t cost,
                                  Protocol protocol = Protocol::kLine,
                                  std::chrono::steady_clock::time_point arrival = {},
                                  const storage::KeyLocation* at = nullptr);

  /// Gives back `cost` that a kHit of `limit` for `key` took (RateLimiter::GiveBack), for a
  /// front door whose request spans several keys and lost a race on a later one. False
  /// when the storage could not (a strategy other than fixed-window, or a failure).
  storage::Task<bool> GiveBack(std::shared_ptr<const limits::Limit> limit, std::string key,
                               std::int64_t cost);

  /// The Envoy rate limit service's rules in the current generation; null when there are
  /// none. A request keeps the pointer it started with.
  std::shared_ptr<const EnvoyLimits> envoy() const;
  /// server.password in the current generation; null when none is set (or no generation).
  const Password* password() const noexcept;
  /// server.admin_password in the current generation; null when none is set.
  const Password* admin_password() const noexcept;
  /// server.tls's context in the current generation, for a new connection; null: plain.
  std::shared_ptr<boost::asio::ssl::context> tls() const;

  LimitTable& table() noexcept { return table_; }

 private:
  /// The answer for a storage's result, or nullopt when on_error: local must decide.
  std::optional<Answer> Settle(const std::shared_ptr<const limits::Limit>& limit,
                               const storage::Result<limits::Decision>& result,
                               const limits::RateLimiter* fallback);
  /// `tracked`: the call was let through by the breaker, which learns its outcome.
  storage::Task<Answer> Await(storage::Pending<storage::Result<limits::Decision>> pending,
                              std::shared_ptr<const limits::Limit> limit, std::string_view key,
                              std::int64_t cost, storage::TakeMode mode,
                              limits::RateLimiter* fallback, protocol::Verb verb,
                              Protocol protocol, bool tracked);
  /// Notes what on_error: local admitted, to hand it back to the storage later.
  void RecordLocal(const std::shared_ptr<const limits::Limit>& limit, std::string_view key,
                   std::int64_t cost);
  /// Adds what on_error: local admitted to the storage's windows, best effort: as much of
  /// each entry as its windows still take. Runs detached after the storage answers again.
  storage::Task<void> HandBack();
  /// Tells the breaker how a call it let through ended; counts its opening and closing.
  void Track(bool succeeded);
  storage::Task<Answer> Reset(std::shared_ptr<const limits::Limit> limit, std::string_view key,
                              limits::RateLimiter* limiter, limits::RateLimiter* fallback,
                              Protocol protocol);
  /// Counts `answer` as a request of `verb` through `protocol`, and returns it.
  Answer Counted(Protocol protocol, protocol::Verb verb, Answer answer);
  /// Counts `answer` as a request of `verb` through `protocol`.
  void Count(Protocol protocol, protocol::Verb verb, const Answer& answer);
  /// How `limit`'s decisions are counted (and, later, whether it is shadowed).
  struct LimitInfo {
    LimitCounters* counters = nullptr;
    bool shadow = false;
  };
  const LimitInfo& InfoOf(const std::shared_ptr<const limits::Limit>& limit);
  Answer Decided(const std::shared_ptr<const limits::Limit>& limit, const limits::Decision& d,
                 Answer::Source source);
  /// The same into `answer`, a default-built one.
  void Decided(Answer& answer, const std::shared_ptr<const limits::Limit>& limit,
               const limits::Decision& d, Answer::Source source);
  /// A decision of the storage, counted as a request of `verb` through `protocol`: the answer
  /// built in the Pending returned, not moved into it.
  storage::Pending<Answer> DecidedNow(const std::shared_ptr<const limits::Limit>& limit,
                                      const limits::Decision& d, Protocol protocol,
                                      protocol::Verb verb);
  Answer Failed(protocol::ErrorCode code, std::string message,
                const limits::Limit* limit = nullptr);
  void LogStorageError(std::error_code error);

  limits::RateLimiter* limiter_;
  limits::RateLimiter* fallback_;
  // The daemon keeps every storage it opened until it exits, so a request in flight
  // across a reload still has its storage and fallback.
  std::shared_ptr<const Generation> generation_;  // null with the first constructor
  LimitTable& table_;
  DeciderSettings settings_;
  ThreadMetrics& metrics_;
  struct LimitPtrHash {
    std::size_t operator()(const std::shared_ptr<const limits::Limit>& p) const noexcept {
      return std::hash<const void*>{}(p.get());
    }
  };
  // Keyed by the shared limit, so that an address is never reused while it is cached.
  boost::unordered_flat_map<std::shared_ptr<const limits::Limit>, LimitInfo, LimitPtrHash>
      info_;
  static constexpr std::size_t kMaxInfo = 8192;
  // The limit InfoOf answered for last, and its entry in info_ (whose key keeps the limit,
  // so its address is not reused meanwhile); null whenever info_ changes.
  const limits::Limit* last_info_limit_ = nullptr;
  const LimitInfo* last_info_ = nullptr;
  std::chrono::steady_clock::time_point last_error_log_{};
  CircuitBreaker breaker_;  // of limiter_'s storage, on this thread
  HandBackLedger hand_back_;  // for limiter_'s storage
  bool handing_back_ = false;
};

}  // namespace limitsd::server
