#pragma once
// Real Redis deployments for the Redis storage tests, started on 127.0.0.1 on free ports
// in temporary directories and stopped by pid: one server (TCP, Unix socket, TLS), a
// 3-master cluster, and a master with a replica watched by one sentinel.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace limitsd::storage::redis::testing {

/// Runs a program and returns its standard output (empty when it cannot run).
std::string RunProgram(const std::vector<std::string>& argv);

/// Makes the server on `port` sleep for `seconds` (DEBUG SLEEP), sent on a socket of its
/// own, so that the sleep has begun when this returns; throws when it cannot be sent.
void BlockServer(std::uint16_t port, const std::string& seconds);

class RedisServer {
 public:
  struct Options {
    bool unix_socket = false;
    bool tls = false;  ///< listen with TLS only, with a throwaway CA made by openssl
    std::vector<std::string> extra_args;
  };

  RedisServer();
  explicit RedisServer(Options options);
  ~RedisServer();

  std::uint16_t port() const { return port_; }
  std::string unix_path() const { return (dir_.path() / "redis.sock").string(); }
  std::string ca_file() const { return (dir_.path() / "ca.crt").string(); }
  /// What the server has logged so far.
  std::string Log() const { return limitsd::testing::ReadFile(dir_.path() / "redis.log"); }
  /// "redis://127.0.0.1:port", "redis+unix:///path" or "rediss://localhost:port".
  std::string Uri() const;

  /// Stops the server (SIGKILL when `hard`, like a crash); Start() brings it back.
  void Stop(bool hard = false);
  void Start();
  bool Running() const { return process_ != nullptr && process_->Running(); }
  /// Sends a signal (SIGSTOP / SIGCONT to freeze and thaw it); after SIGSTOP, returns once
  /// the kernel reports the process stopped.
  void Signal(int sig);
  /// Runs redis-cli against this server and returns its output, trimmed.
  std::string Cli(const std::vector<std::string>& args) const;

 private:
  void MakeCertificates();

  Options options_;
  limitsd::testing::TempDir dir_;
  std::uint16_t port_;
  std::unique_ptr<limitsd::testing::ChildProcess> process_;
};

/// Three masters, no replicas, all 16384 slots assigned.
class RedisCluster {
 public:
  RedisCluster();
  std::string Uri() const;
  RedisServer& node(std::size_t i) { return *nodes_[i]; }

 private:
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

/// A master, a replica of it, and one sentinel monitoring them as "mymaster".
class RedisSentinelSet {
 public:
  RedisSentinelSet();
  ~RedisSentinelSet();
  std::string Uri() const;
  /// The master's port as the sentinel names it now.
  std::uint16_t MasterPort() const;
  /// Asks the sentinel to fail over and waits (up to `timeout`) until it names the other
  /// server; true when it did.
  bool Failover(std::chrono::milliseconds timeout);
  RedisServer& server(std::size_t i) { return *servers_[i]; }

 private:
  std::string SentinelCli(const std::vector<std::string>& args) const;
  bool WaitForReplicaKnown(std::chrono::milliseconds timeout) const;

  std::vector<std::unique_ptr<RedisServer>> servers_;
  limitsd::testing::TempDir dir_;
  std::uint16_t sentinel_port_;
  std::unique_ptr<limitsd::testing::ChildProcess> sentinel_;
};

}  // namespace limitsd::storage::redis::testing
