#pragma once
// Counts complete HTTP/1.1 responses in a stream from limitsd's HTTP API (or the bare
// Beast server), by status: 200 allowed, 429 denied, anything else an error. Responses are
// framed by Content-Length, as both servers send them.

#include <cstdint>
#include <string>
#include <string_view>

#include "bench/reply_counter.h"

namespace limitsd::bench {

class HttpReplyCounter {
 public:
  /// Consumes the next bytes of the stream; returns the responses they completed.
  ReplyCounts Feed(std::string_view bytes);

 private:
  void Head(std::string_view head, ReplyCounts& counts);

  std::string head_;             // the header block read so far
  std::uint64_t body_left_ = 0;  // body bytes of the current response still to skip
};

}  // namespace limitsd::bench
