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
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "envoy/service/ratelimit/v3/rls.pb.h"
#include "server/decider.h"
#include "server/envoy_limits.h"
#include "storage/pending.h"
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
  ~RlsHandler();
  RlsHandler(const RlsHandler&) = delete;
  RlsHandler& operator=(const RlsHandler&) = delete;

  /// Decides `request` into `response`, at once when the storage answers every descriptor
  /// without waiting (memory://): then no coroutine frame is built. Otherwise the task to
  /// await, which goes on from the first answer still to come; `request` and `response`
  /// must stay alive until it is done.
  storage::Pending<RlsStatus> Start(const Request& request, Response& response);
  /// Start(), always as a task.
  storage::Task<RlsStatus> Handle(const Request& request, Response& response) {
    return Start(request, response).Wait();
  }

  /// Whether a descriptor of `request` states its own limit (Envoy's `limit` override), as
  /// an inline limit does: with server.admin_password set, only an admin may send one.
  static bool StatesALimit(const Request& request) noexcept;
  /// The refusal of such a request; `how` says how to send the admin password.
  static RlsStatus NoPermission(std::string_view how);

 private:
  struct Item;
  struct Run;
  /// The checks a request fails before anything is decided, or an empty message.
  static std::string Invalid(const Request& request);
  RlsStatus Plan(const Request& request, const EnvoyLimits* limits, std::vector<Item>& items);
  std::shared_ptr<const limits::Limit> OverrideLimit(std::uint32_t requests_per_unit,
                                                     EnvoyUnit unit);
  /// Takes `run` on until it is answered (true) or waits: for the storage's answer to the
  /// item it stands at (run.wait), or to give back what its hits took (that only the task
  /// does).
  bool Advance(Run& run);
  /// The rest of a run that has to wait, as a task.
  storage::Task<RlsStatus> Finish(Run run);
  /// Settles `item` with the answer that arrived for it, or decides it now (`verb`, `cost`):
  /// false when the storage has to be waited on (run.wait).
  bool DecideItem(Run& run, Item& item, protocol::Verb verb, std::int64_t cost);
  /// Keeps what `answer` says about `item`; a storage failure ends the run.
  static void Settle(Run& run, Item& item, Answer answer);
  /// One status per descriptor, in order, and the overall code.
  static void Respond(const Run& run);

  Decider& decider_;
  Protocol protocol_;
  boost::unordered_flat_map<std::uint64_t, std::shared_ptr<const limits::Limit>> overrides_;
  // The items of the last request answered at once, emptied, for the next one: their
  // buffer and their keys' capacity are reused. A run that waits takes its own.
  std::vector<Item> spare_;
};

}  // namespace limitsd::server
