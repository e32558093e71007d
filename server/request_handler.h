#pragma once
// The line protocol and RESP front door: answers one parsed request, PING, QUIT and the
// handshakes of Redis clients itself, and everything else through the Decider, then
// appends the reply in the request's wire format. One per I/O thread.

#include <chrono>
#include <string>

#include "protocol/request.h"
#include "server/decider.h"
#include "server/metrics.h"
#include "storage/pending.h"

namespace limitsd::server {

/// The `protocol` label of a line-protocol or RESP request.
inline Protocol ProtocolOf(protocol::Wire wire) noexcept {
  return wire == protocol::Wire::kResp ? Protocol::kResp : Protocol::kLine;
}

class RequestHandler {
 public:
  RequestHandler(Decider& decider, ThreadMetrics& metrics);

  /// Appends the reply to `out`; false when the connection is to close after it (QUIT).
  /// Ready at once unless the storage has to be waited for. The request's views must stay
  /// valid until then. `arrival`: when the request was read, as in Query.
  storage::Pending<bool> Handle(const protocol::Request& request, std::string& out,
                                std::chrono::steady_clock::time_point arrival = {});

 private:
  /// CL.THROTTLE: a gcra limit made of the request's numbers, decided like any other.
  storage::Pending<bool> Throttle(const protocol::Request& request, std::string& out,
                                  std::chrono::steady_clock::time_point arrival);
  storage::Task<bool> WriteWhenReady(storage::Pending<Answer> pending, protocol::Request request,
                                     std::string& out);
  /// The reply to `request` (its verb and wire say which shape).
  static void Write(const protocol::Request& request, const Answer& answer, std::string& out);

  Decider& decider_;
  ThreadMetrics& metrics_;
};

}  // namespace limitsd::server
