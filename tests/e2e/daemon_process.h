#pragma once
// The real limitsd binary, started with a YAML configuration on a free loopback port.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace limitsd::e2e {

class DaemonProcess {
 public:
  /// Writes `yaml` (which must not set server.listen; the daemon gets --listen) to a temp
  /// file and starts limitsd on it; fails the test if it does not listen within 10 s.
  /// `prefix` runs the daemon under another program (e.g. {"faketime", "-f", "-30s"}).
  explicit DaemonProcess(const std::string& yaml, std::vector<std::string> extra_args = {},
                         std::vector<std::string> prefix = {});
  ~DaemonProcess();

  std::uint16_t port() const { return port_; }
  /// The configuration file it was started with (rewrite it to test reloads).
  std::filesystem::path config_path() const { return dir_.path() / "limitsd.yaml"; }
  testing::ChildProcess& process() { return *process_; }
  /// What the daemon wrote to stdout and stderr so far.
  std::string Log() const;
  /// SIGTERM and wait; the exit status (as waitpid reports it).
  int Terminate();

 private:
  testing::TempDir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<testing::ChildProcess> process_;
};

/// The resident set (VmRSS) of a process in bytes; -1 when /proc cannot tell.
long long ResidentBytes(int pid);
/// Whether the daemon (built as the tests are) has a sanitizer, which runs each of its
/// steps several times slower.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
/// Whether a daemon's resident set can be held to a bound. One built with a sanitizer maps
/// shadow memory, and AddressSanitizer keeps freed memory in quarantine: its resident set
/// says nothing about leaks, which LeakSanitizer reports.
inline constexpr bool kResidentSetMeansSomething = !kSanitized;
/// The open file descriptors of a process; -1 when /proc cannot tell.
long long OpenFiles(int pid);

/// Runs `limitsd args...` to completion; returns {exit code, stdout+stderr}.
std::pair<int, std::string> RunLimitsd(const std::vector<std::string>& args);

}  // namespace limitsd::e2e
