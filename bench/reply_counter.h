#pragma once
// Counts complete replies in a stream from limitsd (or the echo server), by kind, without
// keeping them: line protocol (one line each: "OK ...", "DENY ...", "ERR ...") or RESP2
// (a decision is "*5" with ":1" allowed / ":0" denied first; "-ERR" is an error).

#include <cstdint>
#include <string>
#include <string_view>

namespace limitsd::bench {

struct ReplyCounts {
  std::uint64_t ok = 0;
  std::uint64_t deny = 0;
  std::uint64_t error = 0;
  std::uint64_t closed = 0;  ///< connections the server closed (not replies)

  std::uint64_t Total() const noexcept { return ok + deny + error; }
  void Add(const ReplyCounts& o) noexcept {
    ok += o.ok;
    deny += o.deny;
    error += o.error;
    closed += o.closed;
  }
};

class ReplyCounter {
 public:
  explicit ReplyCounter(bool resp = false) : resp_(resp) {}

  /// Consumes the next bytes of the stream; returns the replies they completed.
  ReplyCounts Feed(std::string_view bytes);

 private:
  void Line(std::string_view line, ReplyCounts& counts);
  void RespLine(std::string_view line, ReplyCounts& counts);
  /// One RESP element finished; `kind` is how it classifies a reply when it is the first.
  void Element(char kind, ReplyCounts& counts);
  static void Count(char kind, ReplyCounts& counts);

  bool resp_;
  std::string partial_;           // an incomplete line
  std::uint64_t bulk_left_ = 0;   // bulk payload bytes (with CRLF) still to skip
  std::int64_t array_left_ = 0;   // elements still due in the current array
  char array_kind_ = 0;           // the current array's classification
};

}  // namespace limitsd::bench
