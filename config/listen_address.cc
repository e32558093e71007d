#include "config/listen_address.h"

#include <arpa/inet.h>
#include <sys/un.h>

#include <charconv>

#include <fmt/format.h>

namespace limitsd::config {
namespace {

constexpr std::string_view kHowTo = "write HOST:PORT, [IPv6]:PORT or unix:/path";
constexpr std::size_t kMaxUnixPath = sizeof(sockaddr_un::sun_path) - 1;

ListenAddressResult Fail(std::string_view text, std::string_view why) {
  return {std::nullopt, fmt::format("bad listen address \"{}\": {}; {}", text, why, kHowTo)};
}

std::optional<std::uint16_t> ParsePort(std::string_view text) {
  unsigned value = 0;
  if (text.empty() || text.size() > 5) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
    return false;
  }
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool LooksNumeric(std::string_view host) {
  return host.find_first_not_of("0123456789.") == std::string_view::npos;
}

bool IsAddress(int family, const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(family, host.c_str(), buffer) == 1;
}

ListenAddressResult ParseUnix(std::string_view text) {
  std::string_view path = text.substr(5);
  if (path.empty()) return Fail(text, "the unix socket path is empty");
  if (path.size() > kMaxUnixPath) {
    return Fail(text, fmt::format("the unix socket path is longer than {} bytes", kMaxUnixPath));
  }
  return {ListenAddress{"", 0, std::string(path), std::string(text)}, {}};
}

}  // namespace

ListenAddressResult ParseListenAddress(std::string_view text) {
  if (text.starts_with("unix:")) return ParseUnix(text);
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Fail(text, "no port");
  std::string host(text.substr(0, colon));
  const std::optional<std::uint16_t> port = ParsePort(text.substr(colon + 1));
  if (!port) return Fail(text, "the port must be a number from 0 to 65535");
  if (host.starts_with('[')) {
    if (!host.ends_with(']')) return Fail(text, "missing ']' after the IPv6 address");
    host = host.substr(1, host.size() - 2);
    if (!IsAddress(AF_INET6, host)) return Fail(text, "not an IPv6 address");
  } else if (host.find(':') != std::string::npos) {
    return Fail(text, "IPv6 addresses go in brackets, e.g. [::1]:7400");
  } else if (LooksNumeric(host) ? !IsAddress(AF_INET, host) : !IsHostName(host)) {
    return Fail(text, host.empty() ? "no host (use 0.0.0.0 or [::] for every interface)"
                                   : "not an IPv4 address or host name");
  }
  return {ListenAddress{std::move(host), *port, "", std::string(text)}, {}};
}

}  // namespace limitsd::config
