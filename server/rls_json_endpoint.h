#pragma once
// POST /json on the HTTP port: Envoy's rate limit service in its proto3 JSON form, as
// envoyproxy/ratelimit serves it. The body is a RateLimitRequest
// ({"domain": "...", "descriptors": [{"entries": [{"key": "...", "value": "..."}]}]}); the
// reply is the RateLimitResponse (lowerCamelCase names, enums as strings, default values
// left out), 200 when OK and 429 when OVER_LIMIT. A body that is not a request is 400, a
// request the service refuses is 400 too, a storage failure 503 (problem+json each).

#include "server/http_router.h"

namespace limitsd::server {

class RlsJsonEndpoint {
 public:
  /// Adds POST /json to `router`.
  static void Register(HttpRouter& router);
};

}  // namespace limitsd::server
