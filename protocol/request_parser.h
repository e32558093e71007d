#pragma once
// The incremental request parser of one connection: the line protocol and RESP2, chosen per
// request by its first byte ('*' starts a RESP array, as in Redis; anything else is a line).
//
// How the server drives it. The connection appends what it reads to its input buffer and
// calls Next over the unconsumed bytes until it asks for more:
//
//   for (;;) {
//     ParseResult r = parser.Next(std::string_view(buffer).substr(start));
//     ... handle r.request or r.error (their views point into the buffer) ...
//     start += r.consumed;        // always, whatever the kind
//     if (r.kind == ParseResult::Kind::kNeedMore) break;   // read more, then call again
//     if (r.kind == ParseResult::Kind::kError && r.error.close_connection) ...reply, close
//   }
//   buffer.erase(0, start);       // once the requests' views are no longer needed
//
// Contract: each call's input starts with the first byte not yet consumed, and holds at
// least the bytes of the previous call (the server may append, move or compact its buffer
// between calls, but not drop unconsumed bytes). The parser remembers how far it has
// looked, so a request arriving in many small pieces is scanned once, not once per piece.
// If the input ever shrinks, the parser forgets its progress and starts the frame over.
//
// Nothing here allocates after construction except an error message longer than the
// reserved buffer. Pure: no I/O.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "protocol/request.h"
#include "protocol/resp_framer.h"

namespace limitsd::protocol {

/// A request the client must be told about: reply `ERR <code> <message>` on `wire`.
struct ParseError {
  ErrorCode code = ErrorCode::kSyntax;
  /// What was wrong and what to do; owned by the parser, valid until the next Next().
  /// May quote (a bounded prefix of) the client's bytes: ReplyWriter sanitizes it.
  std::string_view message;
  Wire wire = Wire::kLine;
  /// The stream cannot be resynchronised (an over-long line, a malformed or oversized
  /// RESP frame): reply, then half-close the connection. Otherwise the connection stays
  /// usable and parsing goes on after the bad request.
  bool close_connection = false;
};

struct ParseResult {
  enum class Kind : std::uint8_t {
    kNeedMore,  ///< no complete request in the input: read more and call again
    kRequest,   ///< `request` is a valid request
    kError,     ///< `error` is to be answered
  };
  Kind kind = Kind::kNeedMore;
  /// Bytes to drop from the front of the input, for every kind: a request's bytes, the bad
  /// request's bytes (the whole input when close_connection), and blank lines or empty RESP
  /// arrays skipped before a kNeedMore. Never more than the input's size.
  std::size_t consumed = 0;
  Request request;   ///< when kRequest
  ParseError error;  ///< when kError
};

class RequestParser {
 public:
  /// A verb and at most three arguments; a fifth token is kept only to report the arity.
  static constexpr std::size_t kMaxLineTokens = 5;

  /// `max_line_bytes` bounds a line (its terminator excluded) and a RESP request's bulk
  /// strings (each and their sum). Longer requests are `too_long` errors that close the
  /// connection, found as soon as the buffered part exceeds the bound.
  explicit RequestParser(std::size_t max_line_bytes);

  /// The next request, error, or kNeedMore. See the file comment for the contract.
  ParseResult Next(std::string_view input) {
    ParseResult result;
    Next(input, result);
    return result;
  }
  /// The same, written over `result`: for a caller that keeps its results (RequestWindow),
  /// which then neither builds a fresh result nor copies one per request. Sets `kind` and
  /// `consumed`; of `request` and `error`, only the one `kind` names holds this call's.
  void Next(std::string_view input, ParseResult& result);

  /// Forgets any partial request (e.g. after the server dropped its buffer).
  void Reset() noexcept;

  /// The most bytes an incomplete request can occupy before Next either completes it or
  /// reports it: a line of max_line_bytes plus "\r\n", or a RESP request whose bulk
  /// strings hold max_line_bytes, with its 17 length lines and 16 CRLFs. A read buffer of
  /// at least this size never fills up with one unfinished request.
  std::size_t MaxPendingBytes() const noexcept {
    return max_line_bytes_ + (RespFramer::kMaxElements + 1) * RespFramer::kMaxHeaderBytes +
           2 * RespFramer::kMaxElements;
  }

 private:
  enum class Mode : std::uint8_t { kIdle, kLine, kResp };

  // Each fills `result` (whose kind is kNeedMore on entry). kNeedMore with consumed > 0
  // means "skipped a blank line or an empty RESP array".
  void NextLine(std::string_view frame, ParseResult& result);
  bool ShortLine(std::string_view frame, ParseResult& result);
  void NextLineScanned(std::string_view frame, ParseResult& result);
  /// `fresh`: the frame starts here (RespFramer has read none of it yet).
  void NextResp(std::string_view frame, ParseResult& result, bool fresh);
  /// `line` is followed by its terminator, and by `readable` bytes from its start in all.
  void ParseLine(std::string_view line, std::size_t readable, std::size_t consumed,
                 ParseResult& result);
  void ControlInLine(char control, ParseResult& result);
  void Build(Wire wire, std::span<const std::string_view> tokens, ParseResult& result);
  bool PartialLineTooLong(std::string_view frame) const noexcept;
  void Error(Wire wire, ErrorCode code, bool close, ParseResult& result);
  void TooLongLine(std::size_t consumed, ParseResult& result);

  std::size_t max_line_bytes_;
  Mode mode_ = Mode::kIdle;
  std::size_t seen_ = 0;          ///< bytes of the current frame given so far
  std::size_t line_scanned_ = 0;  ///< bytes of the current line searched for '\n'
  /// A line's tokens, kept here rather than set up on each call.
  std::array<std::string_view, kMaxLineTokens> line_tokens_;
  RespFramer resp_;
  std::string message_;
};

}  // namespace limitsd::protocol
