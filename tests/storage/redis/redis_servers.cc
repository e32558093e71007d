#include "tests/storage/redis/redis_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace limitsd::storage::redis::testing {
namespace {

using namespace std::chrono_literals;
using limitsd::testing::ChildProcess;
using limitsd::testing::FindProgram;
using limitsd::testing::FreePort;
using limitsd::testing::WaitForPort;

// Whether something accepts connections on the unix socket `path` (the file exists from
// bind(), before listen(): a connection then is refused).
bool AcceptsUnixConnections(const std::string& path) {
  sockaddr_un address{};
  if (path.size() >= sizeof(address.sun_path)) return false;
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string RequireProgram(std::string_view name) {
  std::string path = FindProgram(name);
  if (path.empty()) {
    throw std::runtime_error(std::string(name) +
                             " is not installed (scripts install redis-server and redis-tools)");
  }
  return path;
}

template <class F>
bool WaitUntil(std::chrono::milliseconds timeout, F ready) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

}  // namespace

std::string RunProgram(const std::vector<std::string>& argv) {
  std::string command;
  for (const auto& arg : argv) command += ShellQuote(arg) + " ";
  command += "2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string out;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  ::pclose(pipe);
  return out;
}

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options) : options_(std::move(options)), port_(FreePort()) {
  if (options_.tls) MakeCertificates();
  Start();
}

RedisServer::~RedisServer() { Stop(true); }

std::string RedisServer::Uri() const {
  if (options_.unix_socket) return "redis+unix://" + unix_path();
  if (options_.tls) return "rediss://localhost:" + std::to_string(port_);
  return "redis://127.0.0.1:" + std::to_string(port_);
}

void RedisServer::Start() {
  std::vector<std::string> argv = {RequireProgram("redis-server"),
                                   "--bind", "127.0.0.1",
                                   "--dir", dir_.path().string(),
                                   "--save", "",
                                   "--appendonly", "no",
                                   "--enable-debug-command", "yes"};
  const std::string port = std::to_string(port_);
  if (options_.tls) {
    const auto dir = dir_.path();
    argv.insert(argv.end(), {"--port", "0", "--tls-port", port, "--tls-cert-file",
                             (dir / "server.crt").string(), "--tls-key-file",
                             (dir / "server.key").string(), "--tls-ca-cert-file", ca_file(),
                             "--tls-auth-clients", "no"});
  } else {
    argv.insert(argv.end(), {"--port", port});
  }
  if (options_.unix_socket) argv.insert(argv.end(), {"--unixsocket", unix_path()});
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  process_ = std::make_unique<ChildProcess>(argv, (dir_.path() / "redis.log").string());
  if (!WaitForPort(port_, 10s)) {
    throw std::runtime_error("redis-server did not start on port " + port + ": " +
                             limitsd::testing::ReadFile(dir_.path() / "redis.log"));
  }
  // Redis opens its unix socket just after its TCP port: wait until it accepts connections
  // too (its file exists a moment before).
  if (options_.unix_socket &&
      !WaitUntil(10s, [&] { return AcceptsUnixConnections(unix_path()); })) {
    throw std::runtime_error("redis-server did not open " + unix_path() + ": " +
                             limitsd::testing::ReadFile(dir_.path() / "redis.log"));
  }
}

void RedisServer::Stop(bool hard) {
  if (!process_) return;
  if (hard) process_->Signal(SIGKILL);
  process_->Stop();
  process_.reset();
}

void RedisServer::Signal(int sig) {
  if (!process_) throw std::runtime_error("redis-server is not running");
  process_->Signal(sig);
  if (sig != SIGSTOP) return;
  const std::string stat = "/proc/" + std::to_string(process_->pid()) + "/stat";
  for (int i = 0; i < 2000; ++i) {
    std::ifstream in(stat);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t close = text.rfind(')');
    if (close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'T') return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  throw std::runtime_error("redis-server did not stop after SIGSTOP");
}

std::string RedisServer::Cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {RequireProgram("redis-cli"), "-h", "127.0.0.1", "-p",
                                   std::to_string(port_)};
  if (options_.tls) argv.insert(argv.end(), {"--tls", "--cacert", ca_file()});
  argv.insert(argv.end(), args.begin(), args.end());
  return Trim(RunProgram(argv));
}

void RedisServer::MakeCertificates() {
  const std::string openssl = RequireProgram("openssl");
  const auto d = dir_.path();
  auto p = [&](const char* name) { return (d / name).string(); };
  std::ofstream(p("san.ext")) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  RunProgram({openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"),
              "-out", p("ca.crt"), "-days", "2", "-subj", "/CN=limitsd test CA"});
  RunProgram({openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("server.key"), "-out",
              p("server.csr"), "-subj", "/CN=localhost"});
  RunProgram({openssl, "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"), "-CAkey",
              p("ca.key"), "-CAcreateserial", "-out", p("server.crt"), "-days", "2", "-extfile",
              p("san.ext")});
  if (limitsd::testing::ReadFile(d / "server.crt").empty()) {
    throw std::runtime_error("openssl could not make the test certificates");
  }
}

RedisCluster::RedisCluster() {
  std::vector<std::string> create = {RequireProgram("redis-cli"), "--cluster", "create"};
  for (int i = 0; i < 3; ++i) {
    RedisServer::Options options;
    // The bus port is explicit: the default (port + 10000) may be taken or above 65535.
    options.extra_args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                          "--cluster-node-timeout", "2000", "--cluster-port",
                          std::to_string(FreePort())};
    nodes_.push_back(std::make_unique<RedisServer>(options));
    create.push_back("127.0.0.1:" + std::to_string(nodes_.back()->port()));
  }
  create.push_back("--cluster-yes");
  RunProgram(create);
  // Usually a second or two; a loaded machine (a CI running tests in parallel) takes longer.
  const bool ok = WaitUntil(40s, [&] {
    for (const auto& node : nodes_) {
      if (node->Cli({"CLUSTER", "INFO"}).find("cluster_state:ok") == std::string::npos) {
        return false;
      }
    }
    return true;
  });
  if (!ok) {
    // What each node says of the cluster, and its log: for the one who reads the failure.
    std::string why = "the test cluster did not reach cluster_state:ok";
    for (const auto& node : nodes_) {
      why += "\n--- node " + std::to_string(node->port()) + ": " +
             node->Cli({"CLUSTER", "INFO"}).substr(0, 200) + "\n" + node->Log();
    }
    throw std::runtime_error(why);
  }
}

std::string RedisCluster::Uri() const {
  // Two seeds: the storage asks any of them for the slot map.
  return "redis+cluster://127.0.0.1:" + std::to_string(nodes_[0]->port()) +
         ",127.0.0.1:" + std::to_string(nodes_[1]->port());
}

RedisSentinelSet::RedisSentinelSet() : sentinel_port_(FreePort()) {
  servers_.push_back(std::make_unique<RedisServer>());
  RedisServer::Options replica;
  replica.extra_args = {"--replicaof", "127.0.0.1", std::to_string(servers_[0]->port())};
  servers_.push_back(std::make_unique<RedisServer>(replica));
  const auto conf = dir_.path() / "sentinel.conf";
  std::ofstream(conf) << "port " << sentinel_port_ << "\nbind 127.0.0.1\ndir "
                      << dir_.path().string() << "\nsentinel monitor mymaster 127.0.0.1 "
                      << servers_[0]->port() << " 1\n"
                      << "sentinel down-after-milliseconds mymaster 1000\n"
                      << "sentinel failover-timeout mymaster 5000\n";
  sentinel_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{RequireProgram("redis-server"), conf.string(), "--sentinel"},
      (dir_.path() / "sentinel.log").string());
  if (!WaitForPort(sentinel_port_, 10s)) throw std::runtime_error("redis sentinel did not start");
  if (!WaitForReplicaKnown(20s)) {
    throw std::runtime_error("the sentinel never saw the replica in sync");
  }
}

RedisSentinelSet::~RedisSentinelSet() {
  if (sentinel_) sentinel_->Stop();
}

std::string RedisSentinelSet::Uri() const {
  return "redis+sentinel://127.0.0.1:" + std::to_string(sentinel_port_) + "/mymaster";
}

std::string RedisSentinelSet::SentinelCli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {RequireProgram("redis-cli"), "-h", "127.0.0.1", "-p",
                                   std::to_string(sentinel_port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  return Trim(RunProgram(argv));
}

std::uint16_t RedisSentinelSet::MasterPort() const {
  const std::string out = SentinelCli({"SENTINEL", "get-master-addr-by-name", "mymaster"});
  const std::size_t newline = out.find('\n');
  if (newline == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(out.substr(newline + 1)));
}

bool RedisSentinelSet::WaitForReplicaKnown(std::chrono::milliseconds timeout) const {
  return WaitUntil(timeout, [&] {
    const std::string replicas = SentinelCli({"SENTINEL", "replicas", "mymaster"});
    bool linked = false;
    for (const auto& server : servers_) {
      linked = linked || server->Cli({"INFO", "replication"}).find("master_link_status:up") !=
                             std::string::npos;
    }
    return linked && replicas.find("slave") != std::string::npos &&
           replicas.find("s_down") == std::string::npos;
  });
}

bool RedisSentinelSet::Failover(std::chrono::milliseconds timeout) {
  const std::uint16_t before = MasterPort();
  if (!WaitForReplicaKnown(timeout)) return false;
  SentinelCli({"SENTINEL", "FAILOVER", "mymaster"});
  return WaitUntil(timeout, [&] {
    const std::uint16_t now = MasterPort();
    return now != 0 && now != before;
  });
}

void BlockServer(std::uint16_t port, const std::string& seconds) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string command = "DEBUG SLEEP " + seconds + "\r\n";
  const bool sent =
      fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::write(fd, command.data(), command.size()) == static_cast<ssize_t>(command.size());
  if (sent) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (fd >= 0) ::close(fd);  // the server finishes the sleep anyway
  if (!sent) throw std::runtime_error("cannot send DEBUG SLEEP to port " + std::to_string(port));
}

}  // namespace limitsd::storage::redis::testing
