#pragma once
// A blocking HTTP/1.1 client for the admin endpoint: one request, the whole answer.

#include <cstdint>
#include <string>

namespace limitsd::e2e {

struct HttpReply {
  int status = 0;  ///< 0 when no answer came
  std::string headers;
  std::string body;
};

/// Sends `method path` (with `body`) to 127.0.0.1:port and reads until the server closes.
HttpReply Http(std::uint16_t port, const std::string& method, const std::string& path,
               const std::string& body = "");

}  // namespace limitsd::e2e
