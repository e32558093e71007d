#include "config/listen_address.h"

#include <gtest/gtest.h>

namespace limitsd::config {
namespace {

TEST(ListenAddressTest, Accepts) {
  struct Case {
    std::string_view text, host;
    std::uint16_t port;
    std::string_view unix_path;
  };
  const Case cases[] = {
      {"127.0.0.1:7400", "127.0.0.1", 7400, ""},
      {"0.0.0.0:0", "0.0.0.0", 0, ""},
      {"localhost:65535", "localhost", 65535, ""},
      {"limits-1.internal.example:80", "limits-1.internal.example", 80, ""},
      {"[::1]:7400", "::1", 7400, ""},
      {"[::]:7400", "::", 7400, ""},
      {"[fe80::1:2]:1", "fe80::1:2", 1, ""},
      {"unix:/run/limitsd.sock", "", 0, "/run/limitsd.sock"},
      {"unix:relative.sock", "", 0, "relative.sock"},
  };
  for (const Case& c : cases) {
    const ListenAddressResult result = ParseListenAddress(c.text);
    ASSERT_TRUE(result.address) << c.text << ": " << result.error;
    EXPECT_EQ(result.address->host, c.host) << c.text;
    EXPECT_EQ(result.address->port, c.port) << c.text;
    EXPECT_EQ(result.address->unix_path, c.unix_path) << c.text;
    EXPECT_EQ(result.address->IsUnix(), !c.unix_path.empty()) << c.text;
    EXPECT_EQ(result.address->text, c.text);
  }
}

TEST(ListenAddressTest, Rejects) {
  struct Case {
    std::string text;
    std::string_view why;
  };
  const Case cases[] = {
      {"127.0.0.1", "no port"},
      {"", "no port"},
      {"127.0.0.1:", "port must be a number"},
      {"127.0.0.1:65536", "port must be a number"},
      {"127.0.0.1:-1", "port must be a number"},
      {"127.0.0.1:7400x", "port must be a number"},
      {"127.0.0.1:099999", "port must be a number"},
      {":7400", "no host"},
      {"::1:7400", "IPv6 addresses go in brackets"},
      {"[::1:7400", "missing ']'"},
      {"[zz::1]:7400", "not an IPv6 address"},
      {"300.1.1.1:80", "not an IPv4 address or host name"},
      {"bad_host:80", "not an IPv4 address or host name"},
      {"*:80", "not an IPv4 address or host name"},
      {"unix:", "path is empty"},
      {"unix:/" + std::string(200, 'x'), "longer than 107 bytes"},
  };
  for (const Case& c : cases) {
    const ListenAddressResult result = ParseListenAddress(c.text);
    EXPECT_FALSE(result.address) << c.text;
    EXPECT_NE(result.error.find(c.why), std::string::npos) << c.text << ": " << result.error;
    EXPECT_NE(result.error.find("HOST:PORT, [IPv6]:PORT or unix:/path"), std::string::npos);
  }
}

}  // namespace
}  // namespace limitsd::config
