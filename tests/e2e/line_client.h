#pragma once
// A blocking line-protocol client for tests: send bytes, read reply lines.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace limitsd::e2e {

class LineClient {
 public:
  explicit LineClient(std::uint16_t port);
  ~LineClient();
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  void Send(std::string_view bytes);
  /// The next line without its '\n'; nullopt on EOF or after `timeout`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Sends `line` + "\n" and reads one reply line ("<none>" if there is none).
  std::string Ask(std::string_view line);
  /// Whether the server closed the connection (EOF) within `timeout`.
  bool ClosedByPeer(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Reads until the server closes; true when it closed with a FIN (not a reset) within
  /// `timeout`. What it read is dropped.
  bool ClosedCleanly(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Closes abruptly (RST) without reading.
  void Abort();

 private:
  int fd_ = -1;
  std::string buffer_;
};

/// The fields of "OK 10 9 2000 0".
std::vector<std::string> Fields(const std::string& reply);

}  // namespace limitsd::e2e
