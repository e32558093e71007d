#pragma once
// The HTTP/JSON decision API's wire format (docs/http.md), as pure code: request bodies to
// requests (with the line protocol's error codes and messages), decisions and errors to a
// status, header fields and a JSON body. No I/O; the server frames the reply in HTTP.
//
//   POST /v1/hit {"limit": "api", "key": "user42", "cost": 1}
//   200 {"allowed":true,"limit":100,"remaining":99,"reset_ms":60000,"retry_ms":0,"policy":"api"}
//       RateLimit-Policy: "api";q=100;w=60
//       RateLimit: "api";r=99;t=60
//   429 application/problem+json, type quota-exceeded, naming the violated policy, with
//       Retry-After unless the cost can never pass.
//
// Times in the headers are whole seconds, rounded up (CeilSeconds, WindowSeconds).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>

#include "protocol/request.h"

namespace limitsd::protocol {

inline constexpr std::string_view kJsonType = "application/json";
inline constexpr std::string_view kProblemType = "application/problem+json";
/// The problem type of a denial (draft-ietf-httpapi-ratelimit-headers, section 5.1).
inline constexpr std::string_view kQuotaExceeded =
    "https://iana.org/assignments/http-problem-types#quota-exceeded";
/// The most requests one /v1/batch body may hold.
inline constexpr std::size_t kMaxBatchRequests = 1000;

/// One rate of a limit, as the RateLimit-Policy field describes it.
struct RatePolicy {
  std::string name;
  std::int64_t quota = 0;      ///< the rate's amount
  std::int64_t window_ms = 0;  ///< the rate's window
};

/// The body of /v1/hit, /v1/test, /v1/stats or /v1/reset, or one element of /v1/batch.
struct ApiRequest {
  Verb verb = Verb::kHit;  ///< kHit, kTest, kStats or kReset
  std::string limit;
  std::string key;
  std::int64_t cost = 1;
};

/// What was wrong: the line protocol's error code and a message saying what to do.
struct ApiError {
  ErrorCode code = ErrorCode::kSyntax;
  std::string message;
};

/// One element of /v1/batch: a request, or what was wrong with it (answered in its place).
struct BatchItem {
  ApiRequest request;
  std::optional<ApiError> error;
};

/// A decision, as every front door gets it, with the limit's rates.
struct ApiDecision {
  bool allowed = false;
  std::int64_t limit = 0;  ///< the binding rate's amount
  std::int64_t remaining = 0;
  std::int64_t reset_ms = 0;
  std::int64_t retry_ms = 0;  ///< 0 allowed; -1 never; else >= 1
  std::size_t binding = 0;    ///< index of the binding rate in `policies`
  std::span<const RatePolicy> policies;
  bool shadowed = false;  ///< denied, allowed by shadow mode: `"shadowed": true` in the body
};

/// A response before HTTP framing: status, header fields beyond the framing's own, body.
struct HttpReply {
  int status = 200;
  std::string_view content_type = kJsonType;  ///< a constant (static storage)
  /// Field names are constants ("RateLimit", "Retry-After"); values are the reply's own.
  std::vector<std::pair<std::string_view, std::string>> headers;
  std::string body;
};

/// Parses a request body for `verb` (kHit, kTest, kStats, kReset) into `out`; nullopt when
/// it is good. Malformed JSON is `syntax` naming the line, column and byte offset.
std::optional<ApiError> ParseApiRequest(Verb verb, std::string_view body, ApiRequest& out);

/// Parses a /v1/batch body, an array of request objects each with a "verb" ("hit", "test",
/// "stats" or "reset"); a bad element becomes an item with its error. nullopt when the body
/// is an array of at most kMaxBatchRequests objects.
std::optional<ApiError> ParseBatch(std::string_view body, std::vector<BatchItem>& out);

/// 200 with the decision, or 429 problem+json; RateLimit-Policy, RateLimit and (when the
/// request can pass later) Retry-After.
HttpReply DecisionReply(const ApiDecision& decision);
/// 200 {"reset":true}.
HttpReply ResetReply();
/// The error's status (HttpStatusOf) and a problem+json body with its code and message.
HttpReply ErrorReply(const ApiError& error);
/// A problem+json reply of the HTTP layer itself (unknown path, wrong method, too large...):
/// `code` is a short machine-readable name, `detail` what was wrong and what to do.
HttpReply ProblemReply(int status, std::string_view code, std::string_view detail);

/// Collects the answers of /v1/batch, in order, into one 200 reply.
class BatchReplyWriter {
 public:
  void Decision(const ApiDecision& decision);
  void Reset();
  void Error(const ApiError& error);
  /// {"results":[...]}: each element has the "status" its own request would have had.
  HttpReply Finish();

 private:
  boost::json::array results_;
};

/// The status an error code answers with: 400 syntax, bad_rate, bad_key, bad_cost;
/// 404 unknown_limit, unknown_command; 403 forbidden; 422 unsupported; 503 storage,
/// overloaded; 413 too_long.
int HttpStatusOf(ErrorCode code) noexcept;
/// The reason phrase of the statuses this API answers with ("Too Many Requests").
std::string_view ReasonOf(int status) noexcept;

/// Milliseconds as whole seconds, rounded up, for `t` and Retry-After: 1 ms is 1 s, so a
/// client never comes back early; 0 (and anything negative) is 0.
std::int64_t CeilSeconds(std::int64_t ms) noexcept;
/// A window as the `w` parameter must be: whole seconds, rounded up, at least 1 (the draft
/// allows neither 0 nor sub-second precision).
std::int64_t WindowSeconds(std::int64_t window_ms) noexcept;

/// The RateLimit-Policy field value: `"<name>";q=<quota>;w=<seconds>` per rate.
std::string RateLimitPolicyField(std::span<const RatePolicy> policies);
/// The RateLimit field value for the binding rate: `"<name>";r=<remaining>;t=<seconds>`.
/// `t` is reset_ms rounded up, or on a denial that can pass later, retry_ms rounded up
/// (the time before this request could pass, which is also Retry-After).
std::string RateLimitField(const ApiDecision& decision);

}  // namespace limitsd::protocol
