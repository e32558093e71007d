#pragma once
// How many CPUs this process may really use, for `server.threads: 0`: the CPUs of its
// affinity mask (sched_getaffinity, which taskset, cpusets and `docker --cpuset-cpus` set),
// capped by the cgroup v2 CPU quota (`cpu.max`, which `docker --cpus` and Kubernetes CPU
// limits set) of its cgroup and of every cgroup above it.

#include <filesystem>
#include <optional>

namespace limitsd::config {

class UsableCpus {
 public:
  /// Where to read: the cgroup v2 mount and the file naming this process's cgroup
  /// ("0::/path" in /proc/self/cgroup). Tests point both at a fake tree.
  struct Sources {
    std::filesystem::path cgroup_root = "/sys/fs/cgroup";
    std::filesystem::path self_cgroup = "/proc/self/cgroup";
  };

  /// min(affinity CPUs, floor(quota / period) of the strictest cgroup), at least 1. No
  /// readable cpu.max (cgroup v1, no limit, "max") leaves the affinity count.
  static unsigned Count(const Sources& sources);
  static unsigned Count() { return Count(Sources{}); }

  /// The strictest cgroup CPU quota in whole CPUs (floor, at least 1), or nullopt.
  static std::optional<unsigned> CgroupLimit(const Sources& sources);
  /// The CPUs of this process's affinity mask (hardware_concurrency when unknown).
  static unsigned AffinityCount();
};

}  // namespace limitsd::config
