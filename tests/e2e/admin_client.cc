#include "tests/e2e/admin_client.h"

#include <cstdlib>

#include "tests/e2e/line_client.h"

namespace limitsd::e2e {

HttpReply Http(std::uint16_t port, const std::string& method, const std::string& path) {
  LineClient c(port);
  c.Send(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
  std::string all;
  while (auto line = c.ReadLine(std::chrono::seconds(10))) all += *line + "\n";
  HttpReply reply;
  if (all.rfind("HTTP/1.1 ", 0) != 0) return reply;
  reply.status = std::atoi(all.c_str() + 9);
  const auto end = all.find("\r\n\r\n");
  reply.headers = all.substr(0, end);
  if (end != std::string::npos) reply.body = all.substr(end + 4);
  return reply;
}

}  // namespace limitsd::e2e
