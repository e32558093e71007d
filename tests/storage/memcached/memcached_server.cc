#include "tests/storage/memcached/memcached_server.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace limitsd::storage::memcached::testing {

MemcachedServer::MemcachedServer() : port_(limitsd::testing::FreePort()) {
  EXPECT_TRUE(Start()) << "could not start memcached on port " << port_;
}

MemcachedServer::~MemcachedServer() { Stop(); }

bool MemcachedServer::Start() {
  const std::string program = limitsd::testing::FindProgram("memcached");
  if (program.empty()) {
    ADD_FAILURE() << "memcached is not installed (Debian package memcached)";
    return false;
  }
  std::vector<std::string> argv = {program, "-l", "127.0.0.1", "-p", std::to_string(port_),
                                   "-U", "0", "-m", "64", "-t", "1", "-c", "1024"};
  if (::geteuid() == 0) {
    argv.insert(argv.end(), {"-u", "root"});  // memcached refuses root without -u
  }
  process_ = std::make_unique<limitsd::testing::ChildProcess>(
      argv, (dir_.path() / "memcached.log").string());
  return limitsd::testing::WaitForPort(port_, std::chrono::seconds(5));
}

void MemcachedServer::Stop() {
  if (process_) process_->Stop();
  process_.reset();
}

void MemcachedServer::Signal(int sig) {
  if (!process_) return;
  process_->Signal(sig);
  if (sig != SIGSTOP) return;
  // kill() returns before every thread has stopped: wait until the kernel reports the
  // process stopped ("T" in /proc/PID/stat), so that no request sent after this is served.
  const std::string stat = "/proc/" + std::to_string(process_->pid()) + "/stat";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(stat);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t close = text.rfind(')');
    if (close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'T') return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ADD_FAILURE() << "memcached did not stop after SIGSTOP";
}

std::string MemcachedServer::Location() const { return "127.0.0.1:" + std::to_string(port_); }

std::string UriOf(const std::vector<const MemcachedServer*>& servers) {
  std::string uri = "memcached://";
  for (std::size_t i = 0; i < servers.size(); ++i) {
    uri += (i == 0 ? "" : ",") + servers[i]->Location();
  }
  return uri;
}

}  // namespace limitsd::storage::memcached::testing
