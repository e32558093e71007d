#pragma once
// Helpers for tests that start real processes (limitsd, redis-server, memcached) on loopback.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace limitsd::testing {

/// A TCP port on 127.0.0.1 that was free a moment ago, chosen below the kernel's ephemeral
/// range so that no outgoing connection takes it before the caller binds it.
std::uint16_t FreePort();

/// Polls until something accepts TCP connections on 127.0.0.1:port, or the timeout passes.
bool WaitForPort(std::uint16_t port, std::chrono::milliseconds timeout);

/// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A child process started with fork/exec; stopped (SIGTERM, then SIGKILL after a grace
/// period) and reaped on destruction.
class ChildProcess {
 public:
  /// argv[0] is the program (a path, or a name searched in PATH). stdout and stderr go to
  /// `log_file` when given, otherwise to /dev/null.
  explicit ChildProcess(std::vector<std::string> argv, std::string log_file = "");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  /// Sends a signal without waiting.
  void Signal(int sig);
  /// SIGTERM, wait up to `grace`, then SIGKILL; returns the wait status (or -1).
  int Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  /// Waits up to `timeout` for the process to exit by itself; the wait status, or -1.
  int Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

/// The full path of a program in PATH, /usr/sbin, /usr/bin or /usr/local/bin; empty if none.
std::string FindProgram(std::string_view name);

/// Reads a whole file; empty if it cannot.
std::string ReadFile(const std::filesystem::path& path);

}  // namespace limitsd::testing
