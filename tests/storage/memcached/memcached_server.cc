#include "tests/storage/memcached/memcached_server.h"

#include <unistd.h>

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
  if (process_) process_->Signal(sig);
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
