#include "tests/e2e/daemon_process.h"

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace limitsd::e2e {

DaemonProcess::DaemonProcess(const std::string& yaml, std::vector<std::string> extra_args,
                             std::vector<std::string> prefix) {
  const auto config = dir_.path() / "limitsd.yaml";
  std::ofstream(config) << yaml;
  port_ = testing::FreePort();
  std::vector<std::string> argv = std::move(prefix);
  for (const char* arg : {LIMITSD_BINARY, "--config"}) argv.emplace_back(arg);
  argv.push_back(config.string());
  argv.push_back("--listen");
  argv.push_back("127.0.0.1:" + std::to_string(port_));
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<testing::ChildProcess>(argv, (dir_.path() / "log").string());
  if (!testing::WaitForPort(port_, std::chrono::seconds(10))) {
    ADD_FAILURE() << "limitsd did not start; its log:\n" << Log();
    throw std::runtime_error("limitsd did not start");
  }
}

DaemonProcess::~DaemonProcess() {
  process_->Stop();
  // A daemon built with a sanitizer writes its reports to its log: the test that led to one
  // fails, whatever the daemon answered.
  const std::string log = Log();
  for (const char* report : {"SUMMARY: AddressSanitizer", "SUMMARY: LeakSanitizer",
                             "SUMMARY: UndefinedBehaviorSanitizer", "SUMMARY: ThreadSanitizer"}) {
    if (log.find(report) != std::string::npos) {
      ADD_FAILURE() << "limitsd wrote a sanitizer report; its log:\n" << log;
      break;
    }
  }
}

std::string DaemonProcess::Log() const { return testing::ReadFile(dir_.path() / "log"); }

int DaemonProcess::Terminate() { return process_->Stop(std::chrono::seconds(15)); }

std::pair<int, std::string> RunLimitsd(const std::vector<std::string>& args) {
  testing::TempDir dir;
  std::vector<std::string> argv = {LIMITSD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::ChildProcess process(argv, (dir.path() / "out").string());
  const int status = process.Wait(std::chrono::seconds(20));
  const int code = (status >= 0 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return {code, testing::ReadFile(dir.path() / "out")};
}

long long ResidentBytes(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string field;
  while (status >> field) {
    if (field == "VmRSS:") {
      long long kib = -1;
      status >> kib;
      return kib * 1024;
    }
  }
  return -1;
}

long long OpenFiles(int pid) {
  std::error_code error;
  long long count = 0;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) ++count;
  return error ? -1 : count;
}

}  // namespace limitsd::e2e
