#include "config/usable_cpus.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace limitsd::config {
namespace {

// A fake cgroup v2 tree: the process sits in /kubepods/pod/ctr.
class UsableCpusTest : public ::testing::Test {
 protected:
  UsableCpusTest() {
    sources_.cgroup_root = dir_.path() / "cgroup";
    sources_.self_cgroup = dir_.path() / "self_cgroup";
    std::filesystem::create_directories(sources_.cgroup_root / "kubepods/pod/ctr");
    Write(sources_.self_cgroup, "0::/kubepods/pod/ctr\n");
  }
  void Write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  void CpuMax(const std::string& cgroup, const std::string& text) {
    Write(sources_.cgroup_root / cgroup / "cpu.max", text);
  }

  testing::TempDir dir_;
  UsableCpus::Sources sources_;
};

TEST_F(UsableCpusTest, NoQuotaLeavesTheAffinityMask) {
  EXPECT_EQ(UsableCpus::CgroupLimit(sources_), std::nullopt);
  CpuMax("kubepods/pod/ctr", "max 100000\n");
  EXPECT_EQ(UsableCpus::CgroupLimit(sources_), std::nullopt);
  EXPECT_EQ(UsableCpus::Count(sources_), UsableCpus::AffinityCount());
}

TEST_F(UsableCpusTest, AQuotaCountsWholeCpusAtLeastOne) {
  CpuMax("kubepods/pod/ctr", "250000 100000\n");
  EXPECT_EQ(UsableCpus::CgroupLimit(sources_), 2u);  // 2.5 CPUs: two threads
  CpuMax("kubepods/pod/ctr", "50000 100000\n");
  EXPECT_EQ(UsableCpus::CgroupLimit(sources_), 1u);  // half a CPU: still one thread
  EXPECT_EQ(UsableCpus::Count(sources_), 1u);
}

TEST_F(UsableCpusTest, TheStrictestCgroupAboveCounts) {
  CpuMax("kubepods/pod/ctr", "400000 100000\n");
  CpuMax("kubepods/pod", "300000 100000\n");
  CpuMax("kubepods", "max 100000\n");
  EXPECT_EQ(UsableCpus::CgroupLimit(sources_), 3u);
}

TEST_F(UsableCpusTest, TheRootOfANamespacedMountIsRead) {
  // In a container with a cgroup namespace the process's cgroup is "/": the mount's root.
  Write(sources_.self_cgroup, "0::/\n");
  CpuMax("", "100000 100000\n");
  EXPECT_EQ(UsableCpus::CgroupLimit(sources_), 1u);
  EXPECT_EQ(UsableCpus::Count(sources_), 1u);
}

TEST_F(UsableCpusTest, NeverMoreThanTheAffinityMask) {
  CpuMax("kubepods/pod/ctr", "100000000 100000\n");  // 1000 CPUs
  EXPECT_EQ(UsableCpus::Count(sources_), UsableCpus::AffinityCount());
}

TEST_F(UsableCpusTest, GarbageIsIgnored) {
  CpuMax("kubepods/pod/ctr", "lots 100000\n");
  EXPECT_EQ(UsableCpus::CgroupLimit(sources_), std::nullopt);
  Write(sources_.self_cgroup, "");
  EXPECT_EQ(UsableCpus::CgroupLimit(sources_), std::nullopt);
}

}  // namespace
}  // namespace limitsd::config
