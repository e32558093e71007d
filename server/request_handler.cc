#include "server/request_handler.h"

#include "limits/granularity.h"
#include "limits/limit.h"
#include "protocol/reply_writer.h"

namespace limitsd::server {
namespace {

// The name CL.THROTTLE's limits have, which its storage keys start with.
constexpr std::string_view kThrottleLimitName = "CL.THROTTLE";

}  // namespace

using protocol::Verb;

RequestHandler::RequestHandler(Decider& decider, Authenticator& authenticator,
                               ThreadMetrics& metrics)
    : decider_(decider), authenticator_(authenticator), metrics_(metrics) {}

storage::Pending<bool> RequestHandler::Handle(const protocol::Request& request, std::string& out,
                                              ClientState& client,
                                              std::chrono::steady_clock::time_point arrival,
                                              const storage::KeyLocation* at) {
  protocol::ReplyWriter writer(out);
  const Protocol door = ProtocolOf(request.wire);
  if (!Admitted(request, client, out)) return true;
  switch (request.verb) {
    case Verb::kAuth:
      if (Authenticate(request, client, out)) {
        metrics_.Request(door, request.verb, RequestResult::kOk);
        writer.Ok(request.wire);
      }
      return true;
    case Verb::kHandshake:
      // HELLO 2 AUTH <user> <password> authenticates as AUTH does, then answers as HELLO.
      if (request.handshake == protocol::Handshake::kHello && request.argument == "2" &&
          request.password.data() != nullptr && !Authenticate(request, client, out)) {
        return true;
      }
      [[fallthrough]];
    case Verb::kPing:
    case Verb::kQuit:
      // Answered here, not decisions: counted as requests only.
      metrics_.Request(door, request.verb, RequestResult::kOk);
      if (request.verb == Verb::kQuit) {
        writer.Bye(request.wire);
        return false;
      }
      if (request.verb == Verb::kPing) {
        writer.Pong(request.wire, request.argument);
      } else {
        writer.Handshake(request);
      }
      return true;
    case Verb::kThrottle: return Throttle(request, out, arrival);
    default: break;
  }
  storage::Pending<Answer> pending = decider_.Decide(
      Query{request.verb, request.limit, request.key, request.cost, door, arrival, at});
  if (!pending.ready()) return WriteWhenReady(std::move(pending), request, out);
  Write(request, pending.value(), out);
  return true;
}

void RequestHandler::Prefetch(const protocol::Request& request,
                              storage::KeyLocation& at) const noexcept {
  switch (request.verb) {
    case Verb::kHit:
    case Verb::kTest:
    case Verb::kStats:
      decider_.Prefetch(request.limit, request.key, &at);
      return;
    default: return;
  }
}

bool RequestHandler::Admitted(const protocol::Request& request, const ClientState& client,
                              std::string& out) {
  if (client.role != Role::kAdmin && authenticator_.AdminRequired() &&
      Authenticator::NeedsAdmin(request.verb, request.limit)) {
    if (!client.authenticated && authenticator_.Required()) {
      // No credentials at all: NOAUTH, as for any other request (below).
    } else if (!authenticator_.Permits(client.role, ProtocolOf(request.wire), request.verb,
                                       request.limit)) {
      protocol::ReplyWriter(out).Error(
          request.wire, protocol::ErrorCode::kNoPerm,
          Authenticator::NoPermission(request.verb, "AUTH with it on this connection first"));
      return false;
    }
  }
  if (client.authenticated) return true;
  switch (request.verb) {
    case Verb::kPing:
    case Verb::kQuit:
    case Verb::kAuth:
      return true;
    case Verb::kHandshake:
      if (request.handshake == protocol::Handshake::kHello) return true;
      break;
    default:
      break;
  }
  if (!authenticator_.Required()) return true;
  const Protocol door = ProtocolOf(request.wire);
  authenticator_.Refuse(static_cast<std::size_t>(door), AuthFailure::kMissing);
  metrics_.Request(door, request.verb, RequestResult::kError);
  metrics_.Error(door, protocol::ErrorCode::kNoAuth);
  protocol::ReplyWriter(out).AuthRequired(request.wire);
  return false;
}

// As Redis 7 with its `default` user: a password alone, or with the user `default`; any
// other user is wrong. Without server.password and server.admin_password, `AUTH <password>`
// is an error and the user `default` gets in with any password (Redis' `nopass`).
bool RequestHandler::Authenticate(const protocol::Request& request, ClientState& client,
                                  std::string& out) {
  const Protocol door = ProtocolOf(request.wire);
  const std::size_t door_index = static_cast<std::size_t>(door);
  protocol::ReplyWriter writer(out);
  const bool has_user = request.user.data() != nullptr;
  const bool default_user = !has_user || request.user == "default";
  auto refuse = [&](protocol::ErrorCode code) {
    metrics_.Request(door, request.verb, RequestResult::kError);
    metrics_.Error(door, code);
    if (code == protocol::ErrorCode::kWrongPass) {
      writer.WrongPassword(request.wire);
    } else {
      writer.AuthNotConfigured(request.wire);
    }
    return false;
  };
  if (!authenticator_.Configured()) {
    if (!has_user) return refuse(protocol::ErrorCode::kUnsupported);
    if (!default_user) return refuse(protocol::ErrorCode::kWrongPass);
    client.authenticated = true;
    return true;
  }
  // The password is checked whatever the user, so a wrong user takes as long.
  const Role role = authenticator_.Check(request.password, door_index);
  if (role != Role::kNone && !default_user) authenticator_.Refuse(door_index, AuthFailure::kWrong);
  if (role == Role::kNone || !default_user) return refuse(protocol::ErrorCode::kWrongPass);
  client.authenticated = true;
  client.role = role;
  return true;
}

storage::Pending<bool> RequestHandler::Throttle(const protocol::Request& request,
                                                std::string& out,
                                                std::chrono::steady_clock::time_point arrival) {
  const protocol::Throttle& t = request.throttle;
  std::vector<limits::RateLimitItem> rates = {
      limits::RateLimitItem(t.count, t.period, *limits::GranularityFromString("second"))};
  const std::int64_t burst = t.max_burst + 1;
  if (auto problem = limits::CheckLimit(limits::StrategyKind::kGcra, rates, burst)) {
    protocol::ReplyWriter(out).Error(request.wire, protocol::ErrorCode::kBadRate, *problem);
    return true;
  }
  // The bucket is stored until it is full again: (max_burst + 1) * period / count seconds
  // at most (below 2^63: each factor is at most about 10^9).
  const std::int64_t refill = (burst * t.period + t.count - 1) / t.count;
  if (auto problem = decider_.table().InlineWindowProblem("CL.THROTTLE", refill)) {
    protocol::ReplyWriter(out).Error(request.wire, protocol::ErrorCode::kBadRate, *problem);
    return true;
  }
  auto limit = std::make_shared<const limits::Limit>(
      std::string(kThrottleLimitName), limits::StrategyKind::kGcra, std::move(rates), burst);
  // Quantity 0 looks and takes nothing, as in redis-cell.
  const Verb verb = t.quantity == 0 ? Verb::kTest : Verb::kHit;
  storage::Pending<Answer> pending =
      decider_.Decide(verb, limit, request.key, t.quantity, ProtocolOf(request.wire), arrival);
  if (!pending.ready()) return WriteWhenReady(std::move(pending), request, out);
  Write(request, pending.value(), out);
  return true;
}

storage::Task<bool> RequestHandler::WriteWhenReady(storage::Pending<Answer> pending,
                                                   protocol::Request request, std::string& out) {
  const Answer answer = co_await std::move(pending).Wait();
  Write(request, answer, out);
  co_return true;
}

void RequestHandler::Write(const protocol::Request& request, const Answer& answer,
                           std::string& out) {
  protocol::ReplyWriter writer(out);
  const protocol::Wire wire = request.wire;
  switch (answer.kind) {
    case Answer::Kind::kDecision: {
      const limits::Decision& d = answer.decision;
      const protocol::DecisionReply reply{d.allowed,  d.limit,    d.remaining,
                                          d.reset_ms, d.retry_ms, answer.shadowed};
      if (request.verb == Verb::kThrottle) {
        writer.Throttle(protocol::ThrottleReplyOf(reply));
      } else {
        writer.Decision(wire, reply);
      }
      return;
    }
    case Answer::Kind::kCleared: writer.Ok(wire); return;
    case Answer::Kind::kError: writer.Error(wire, answer.error, answer.message); return;
  }
}

}  // namespace limitsd::server
