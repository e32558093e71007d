#include "server/request_handler.h"

#include "protocol/reply_writer.h"

namespace limitsd::server {

using protocol::Verb;

RequestHandler::RequestHandler(Decider& decider, ThreadMetrics& metrics)
    : decider_(decider), metrics_(metrics) {}

storage::Pending<bool> RequestHandler::Handle(const protocol::Request& request,
                                              std::string& out,
                                              std::chrono::steady_clock::time_point arrival) {
  protocol::ReplyWriter writer(out);
  const Protocol door = ProtocolOf(request.wire);
  switch (request.verb) {
    case Verb::kPing:
    case Verb::kQuit:
    case Verb::kHandshake:
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
    default: break;
  }
  storage::Pending<Answer> pending =
      decider_.Decide(Query{request.verb, request.limit, request.key, request.cost, door, arrival});
  if (!pending.ready()) return WriteWhenReady(std::move(pending), request.wire, out);
  Write(request.wire, pending.value(), out);
  return true;
}

storage::Task<bool> RequestHandler::WriteWhenReady(storage::Pending<Answer> pending,
                                                   protocol::Wire wire, std::string& out) {
  const Answer answer = co_await std::move(pending).Wait();
  Write(wire, answer, out);
  co_return true;
}

void RequestHandler::Write(protocol::Wire wire, const Answer& answer, std::string& out) {
  protocol::ReplyWriter writer(out);
  switch (answer.kind) {
    case Answer::Kind::kDecision: {
      const limits::Decision& d = answer.decision;
      writer.Decision(wire,
                      {d.allowed, d.limit, d.remaining, d.reset_ms, d.retry_ms, answer.shadowed});
      return;
    }
    case Answer::Kind::kCleared: writer.Ok(wire); return;
    case Answer::Kind::kError: writer.Error(wire, answer.error, answer.message); return;
  }
}

}  // namespace limitsd::server
