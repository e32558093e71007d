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
/// The value of `series` (a name, with its labels if any) in a Prometheus text `page`; a
/// test failure and 0 when the page has no such sample.
std::uint64_t MetricValue(const std::string& page, const std::string& series);

HttpReply Http(std::uint16_t port, const std::string& method, const std::string& path,
               const std::string& body = "");

}  // namespace limitsd::e2e
