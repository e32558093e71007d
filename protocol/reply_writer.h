#pragma once
// Formats replies, for either wire, by appending them to a connection's output buffer.
// Nothing is allocated beyond the buffer's own growth: numbers are written with
// std::to_chars into a stack buffer and appended once.
//
// Line protocol                          RESP2
//   OK|DENY <limit> <rem> <reset> <retry>  *5 :allowed :limit :remaining :reset_ms :retry_ms
//   OK <limit> <rem> <reset> 0 shadow      (the same five integers, allowed)
//                  (denied by a limit in shadow mode, answered as allowed)
//   OK            (RESET/CLEAR)            +OK
//   PONG                                   +PONG, or the PING argument as a bulk string
//   BYE           (QUIT)                   +OK
//   ERR <code> <message>                   -ERR <code> <message>
//   ERR noauth Authentication required.    -NOAUTH Authentication required.
//   ERR wrongpass invalid password         -WRONGPASS invalid username-password pair or ...
// Every line-protocol reply ends with "\n", every RESP reply with "\r\n".

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/reply.h"
#include "protocol/request.h"
#include "protocol/request_parser.h"

namespace limitsd::protocol {

class ReplyWriter {
 public:
  /// An error message longer than this is cut (and ends with "...").
  static constexpr std::size_t kMaxMessageBytes = 512;

  /// Appends to `out`, which must outlive the writer.
  explicit ReplyWriter(std::string& out) noexcept : out_(&out) {}

  /// The answer to HIT, TEST and STATS.
  void Decision(Wire wire, const DecisionReply& decision);
  /// The answer to CL.THROTTLE (RESP only): an array of five integers.
  void Throttle(const ThrottleReply& reply);
  /// The answer to RESET/CLEAR.
  void Ok(Wire wire);
  /// The answer to PING: PONG, or over RESP the echoed argument when there is one.
  void Pong(Wire wire, std::string_view argument = {});
  /// The answer to QUIT, after which the server closes the connection.
  void Bye(Wire wire);
  /// `ERR <code> <message>`. Control bytes in `message` (it may quote client input)
  /// become '?', so a reply is always exactly one line.
  void Error(Wire wire, ErrorCode code, std::string_view message);
  /// The answer to a parse error.
  void Error(const ParseError& error) { Error(error.wire, error.code, error.message); }
  /// The answer to a request that needs AUTH first (Redis' words over RESP).
  void AuthRequired(Wire wire);
  /// The answer to AUTH with a wrong password or, over RESP, a user other than `default`.
  void WrongPassword(Wire wire);
  /// The answer to `AUTH <password>` on a server without a password (Redis' words over RESP).
  void AuthNotConfigured(Wire wire);
  /// The answer to a Verb::kHandshake request (what Redis clients send on connecting):
  /// HELLO: `-ERR unknown command 'HELLO', ...` (Redis 5's words, which clients such as
  /// go-redis and Lettuce take as "use RESP2"); CLIENT ...: +OK; COMMAND COUNT: :0;
  /// COMMAND [DOCS|...]: an empty array; SELECT 0: +OK; INFO: a bulk string with a
  /// `# Server` section that has `loading:0`.
  void Handshake(const Request& request);

 private:
  void AppendSanitized(std::string_view text);
  void AppendBulk(std::string_view text);

  std::string* out_;
};

}  // namespace limitsd::protocol
