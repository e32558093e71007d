#pragma once
// The decision endpoints of the HTTP API (docs/http.md): POST /v1/hit, /v1/test, /v1/stats,
// /v1/reset and /v1/batch. Each turns its JSON body into Decider queries and the Answers
// into replies, through protocol/http_api.h.

#include <vector>

#include "limits/limit.h"
#include "protocol/http_api.h"
#include "server/decider.h"
#include "server/http_router.h"

namespace limitsd::server {

class HttpApiEndpoints {
 public:
  /// Adds the /v1 routes to `router`.
  static void Register(HttpRouter& router);

  /// The reply to an Answer of the Decider.
  static protocol::HttpReply ReplyOf(const Answer& answer);
  /// The RateLimit-Policy items of a limit: one per rate. A limit with one rate is named as
  /// it was asked for ("api", "10/second"); with several, each rate is "<name>:<rate>" for a
  /// configured limit ("api:100/minute") and "<rate>" for an inline one ("100/minute").
  static std::vector<protocol::RatePolicy> PoliciesOf(const limits::Limit& limit);
};

}  // namespace limitsd::server
