#pragma once
// The line protocol and RESP front door: answers one parsed request, PING, QUIT, AUTH and
// the handshakes of Redis clients itself, and everything else through the Decider, then
// appends the reply in the request's wire format. One per I/O thread.
//
// With server.password set, a connection must authenticate (AUTH, or HELLO 2 AUTH) before
// anything but PING, QUIT, AUTH and HELLO: the others are answered NOAUTH. With
// server.admin_password set, RESET/CLEAR, inline limits and CL.THROTTLE need a connection
// that authenticated with it: the others are answered NOPERM.

#include <chrono>
#include <string>

#include "protocol/request.h"
#include "server/authenticator.h"
#include "server/decider.h"
#include "server/metrics.h"
#include "storage/pending.h"

namespace limitsd::server {

/// The `protocol` label of a line-protocol or RESP request.
inline Protocol ProtocolOf(protocol::Wire wire) noexcept {
  return wire == protocol::Wire::kResp ? Protocol::kResp : Protocol::kLine;
}

/// What the handler keeps of one connection between its requests.
struct ClientState {
  /// AUTH succeeded on this connection. It stays so (a later wrong AUTH, or a reload that
  /// changes the password, does not undo it), as in Redis.
  bool authenticated = false;
  /// What the last AUTH that succeeded allows (an AUTH with the other password switches).
  Role role = Role::kNone;
};

class RequestHandler {
 public:
  RequestHandler(Decider& decider, Authenticator& authenticator, ThreadMetrics& metrics);

  /// Appends the reply to `out`; false when the connection is to close after it (QUIT).
  /// Ready at once unless the storage has to be waited for; AUTH always is, so that the
  /// requests pipelined after it see its effect on `client`. The request's views must stay
  /// valid until then. `arrival`: when the request was read, and `at`: what Prefetch(request)
  /// filled, or null; both as in Query.
  storage::Pending<bool> Handle(const protocol::Request& request, std::string& out,
                                ClientState& client,
                                std::chrono::steady_clock::time_point arrival = {},
                                const storage::KeyLocation* at = nullptr);
  /// Starts loading into the CPU's caches what Handle(request) will read (a HIT, TEST or
  /// STATS: Decider::Prefetch), and may fill `at`, an empty location, for Handle(request).
  /// Changes nothing, answers nothing; no effect otherwise.
  void Prefetch(const protocol::Request& request, storage::KeyLocation& at) const noexcept;

 private:
  /// AUTH [user] password, or HELLO's AUTH user password: whether they are right. On a
  /// refusal the error reply is written; on success nothing is.
  bool Authenticate(const protocol::Request& request, ClientState& client, std::string& out);
  /// Whether `request` may run on `client`'s connection; if not, NOAUTH (no credentials)
  /// or NOPERM (not the admin password) is written.
  bool Admitted(const protocol::Request& request, const ClientState& client, std::string& out);
  /// CL.THROTTLE: a gcra limit made of the request's numbers, decided like any other.
  storage::Pending<bool> Throttle(const protocol::Request& request, std::string& out,
                                  std::chrono::steady_clock::time_point arrival);
  storage::Task<bool> WriteWhenReady(storage::Pending<Answer> pending, protocol::Request request,
                                     std::string& out);
  /// The reply to `request` (its verb and wire say which shape).
  static void Write(const protocol::Request& request, const Answer& answer, std::string& out);

  Decider& decider_;
  Authenticator& authenticator_;
  ThreadMetrics& metrics_;
};

}  // namespace limitsd::server
