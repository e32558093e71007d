#include "server/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace limitsd::server {
namespace {

void Gauge(std::string& out, const char* name, const char* type, const char* help, double value) {
  char number[64];
  std::snprintf(number, sizeof(number), "%.17g", value);
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(number).append("\n");
}

// Fields of /proc/self/stat after the command name (which may hold spaces), from field 3.
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(text.substr(close + 2));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

double BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double value = 0;
      in >> value;
      return value;
    }
  }
  return 0;
}

}  // namespace

void RenderProcessMetrics(std::string& out) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const std::vector<std::string> stat = StatFields();
  // Fields from 3 on: utime is 14, stime 15, starttime 22, vsize 23, rss 24.
  if (stat.size() > 21 && ticks > 0) {
    const double cpu = (std::stod(stat[11]) + std::stod(stat[12])) / ticks;
    Gauge(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.",
          cpu);
    Gauge(out, "process_start_time_seconds", "gauge",
          "Start time of the process since the Unix epoch, in seconds.",
          BootTime() + std::stod(stat[19]) / ticks);
    Gauge(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size, in bytes.",
          std::stod(stat[20]));
    Gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory size, in bytes.",
          std::stod(stat[21]) * page);
  }
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (!ec) Gauge(out, "process_open_fds", "gauge", "Open file descriptors.", fds);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    Gauge(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
          static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace limitsd::server
