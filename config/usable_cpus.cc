#include "config/usable_cpus.h"

#include <sched.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>

namespace limitsd::config {
namespace {

// The cgroup v2 path of this process ("0::/a/b" -> "a/b"), empty for the root or unknown.
std::filesystem::path SelfCgroup(const std::filesystem::path& file) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("0::", 0) == 0) {
      std::string path = line.substr(3);
      while (!path.empty() && path.front() == '/') path.erase(0, 1);
      return path;
    }
  }
  return {};
}

// "QUOTA PERIOD" in whole CPUs (floor, at least 1); nullopt for "max" or an unreadable file.
std::optional<unsigned> QuotaOf(const std::filesystem::path& cpu_max) {
  std::ifstream in(cpu_max);
  std::string quota;
  long long period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  try {
    const long long q = std::stoll(quota);
    if (q <= 0) return std::nullopt;
    return static_cast<unsigned>(std::max(1LL, q / period));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<unsigned> UsableCpus::CgroupLimit(const Sources& sources) {
  std::optional<unsigned> limit;
  // The process's own cgroup and each one above it, up to the root of the mount.
  std::filesystem::path dir = sources.cgroup_root / SelfCgroup(sources.self_cgroup);
  while (true) {
    if (const auto quota = QuotaOf(dir / "cpu.max")) {
      limit = std::min(limit.value_or(*quota), *quota);
    }
    if (dir == sources.cgroup_root || !dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  return limit;
}

unsigned UsableCpus::AffinityCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<unsigned>(count);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

unsigned UsableCpus::Count(const Sources& sources) {
  const unsigned affinity = AffinityCount();
  const std::optional<unsigned> quota = CgroupLimit(sources);
  return std::max(1u, quota ? std::min(affinity, *quota) : affinity);
}

}  // namespace limitsd::config
