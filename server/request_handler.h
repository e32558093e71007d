#pragma once
// Answers one parsed request: resolves the limit, asks the rate limiter, applies
// storage.on_error when the backend fails, and appends the reply. One per I/O thread.

#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "limits/rate_limiter.h"
#include "protocol/request.h"
#include "server/limit_table.h"
#include "server/metrics.h"

namespace limitsd::server {

struct HandlerSettings {
  bool allow_reset = true;
  config::OnError on_error = config::OnError::kError;
  std::int64_t timeout_ms = 50;
};

class RequestHandler {
 public:
  /// `fallback` decides when on_error is local (a memory store); may be null otherwise.
  RequestHandler(limits::RateLimiter& limiter, limits::RateLimiter* fallback, LimitTable& table,
                 HandlerSettings settings, Metrics& metrics);

  /// Appends the reply to `out`; false when the connection is to close after it (QUIT).
  storage::Task<bool> Handle(const protocol::Request& request, std::string& out);
  /// Handle() without suspending, when the request allows it: PING, QUIT, handshakes,
  /// refused limits, and HIT/TEST/STATS over a storage that decides immediately (memory://).
  /// Returns what Handle() would; nullopt when it did nothing and Handle() must be awaited.
  std::optional<bool> TryHandleNow(const protocol::Request& request, std::string& out);

 private:
  /// What Handle() and TryHandleNow() do first: counts the request, answers PING, QUIT,
  /// handshakes and refused limits. Returns the limit to decide on (held for as long as
  /// the request needs it), or null when the reply is written, with `keep_open` saying
  /// whether the connection stays open.
  std::shared_ptr<const limits::Limit> Begin(const protocol::Request& request,
                                             std::string& out, bool& keep_open);
  void WriteOutcome(const protocol::Request& request, const limits::Limit& limit,
                    const storage::Result<limits::Decision>& decision, std::string& out);
  /// on_error deny/allow/error; false when the policy is local (a fallback decision).
  bool AnswerStorageError(const protocol::Request& request, const limits::Limit& limit,
                          std::error_code error, std::string& out);
  storage::Task<void> Decide(const protocol::Request& request, const limits::Limit& limit,
                             std::string& out);
  storage::Task<void> Reset(const protocol::Request& request, const limits::Limit& limit,
                            std::string& out);
  storage::Task<storage::Result<limits::Decision>> Ask(limits::RateLimiter& limiter,
                                                       const protocol::Request& request,
                                                       const limits::Limit& limit);
  storage::Task<void> OnStorageError(const protocol::Request& request, const limits::Limit& limit,
                                     std::error_code error, std::string& out);
  void WriteDecision(const protocol::Request& request, const limits::Decision& d,
                     std::string& out);
  void WriteError(protocol::Wire wire, protocol::ErrorCode code, std::string_view message,
                  std::string& out);
  void LogStorageError(std::error_code error);

  limits::RateLimiter& limiter_;
  limits::RateLimiter* fallback_;
  LimitTable& table_;
  HandlerSettings settings_;
  Metrics& metrics_;
  std::chrono::steady_clock::time_point last_error_log_{};
};

}  // namespace limitsd::server
