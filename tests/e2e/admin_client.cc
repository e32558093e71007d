#include "tests/e2e/admin_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include <gtest/gtest.h>

namespace limitsd::e2e {

std::uint64_t MetricValue(const std::string& page, const std::string& series) {
  const auto at = page.find("\n" + series + " ");
  if (at == std::string::npos) {
    ADD_FAILURE() << series << " is not in:\n" << page;
    return 0;
  }
  return std::stoull(page.substr(at + series.size() + 2));
}

HttpReply Http(std::uint16_t port, const std::string& method, const std::string& path,
               const std::string& body) {
  HttpReply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return reply;
  }
  const std::string request = method + " " + path +
                              " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                              body;
  std::string_view left = request;
  while (!left.empty()) {
    const ssize_t n = ::send(fd, left.data(), left.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    left.remove_prefix(static_cast<std::size_t>(n));
  }
  // Everything until the server closes (or 10 s pass).
  std::string all;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (wait.count() <= 0 || ::poll(&p, 1, static_cast<int>(wait.count())) <= 0) break;
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) break;
    all.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (all.rfind("HTTP/1.1 ", 0) != 0) return reply;
  reply.status = std::atoi(all.c_str() + 9);
  const auto end = all.find("\r\n\r\n");
  reply.headers = all.substr(0, end);
  if (end != std::string::npos) reply.body = all.substr(end + 4);
  return reply;
}

}  // namespace limitsd::e2e
