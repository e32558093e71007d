#pragma once
// Envoy's rate limit service (RLS v3) on one I/O thread: turns a RateLimitRequest into one
// decision per descriptor through the Decider, and the decisions into a RateLimitResponse.
// The gRPC service and the /json endpoint both call it.
//
// A request is all or nothing: when it is OVER_LIMIT, none of its descriptors keeps what it
// asked for. Checks (hits_addend 0) and, when several descriptors take, tests of each come
// first; only then are the descriptors hit, in order. A hit that loses a race with another
// request is answered OVER_LIMIT and what the earlier descriptors took is given back where
// the strategy allows it (fixed windows). docs/envoy.md says what each storage guarantees.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/unordered/unordered_flat_map.hpp>

#include "envoy/service/ratelimit/v3/rls.pb.h"
#include "server/decider.h"
#include "server/envoy_limits.h"
#include "storage/result.h"

namespace limitsd::server {

/// How a call ends, in gRPC's terms.
struct RlsStatus {
  /// kResourceExhausted: the memory store is full (storage_full) and refused a new key.
  /// kPermissionDenied: a descriptor states its own limit, from a client without
  /// server.admin_password while one is configured.
  enum class Code : std::uint8_t {
    kOk,
    kInvalidArgument,
    kUnavailable,
    kResourceExhausted,
    kUnauthenticated,
    kPermissionDenied,
  };
  Code code = Code::kOk;
  std::string message;
};

class RlsHandler {
 public:
  using Request = envoy::service::ratelimit::v3::RateLimitRequest;
  using Response = envoy::service::ratelimit::v3::RateLimitResponse;

  /// Matches with the rules of the decider's generation (envoy.config; with none, every
  /// domain is unknown).
  /// Decisions are counted under `protocol` (kGrpc, or kHttp for /json).
  RlsHandler(Decider& decider, Protocol protocol);

  /// Decides `request` into `response`; both must stay alive until the task is done.
  storage::Task<RlsStatus> Handle(const Request& request, Response& response);

  /// Whether a descriptor of `request` states its own limit (Envoy's `limit` override), as
  /// an inline limit does: with server.admin_password set, only an admin may send one.
  static bool StatesALimit(const Request& request) noexcept;
  /// The refusal of such a request; `how` says how to send the admin password.
  static RlsStatus NoPermission(std::string_view how);

 private:
  struct Item;
  /// The checks a request fails before anything is decided, or an empty message.
  static std::string Invalid(const Request& request);
  RlsStatus Plan(const Request& request, const EnvoyLimits* limits, std::vector<Item>& items);
  std::shared_ptr<const limits::Limit> OverrideLimit(std::uint32_t requests_per_unit,
                                                     EnvoyUnit unit);

  Decider& decider_;
  Protocol protocol_;
  boost::unordered_flat_map<std::uint64_t, std::shared_ptr<const limits::Limit>> overrides_;
};

}  // namespace limitsd::server
