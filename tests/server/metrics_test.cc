#include "server/metrics.h"

#include <gtest/gtest.h>

#include <thread>

#include "storage/storage_error.h"
#include "tests/server/server_fixture.h"

namespace limitsd::server {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorCode;
using protocol::Verb;
using testing::SampleOf;

TEST(Metrics, CountersOfEveryThreadAreSummed) {
  Metrics metrics;
  ThreadMetrics& a = metrics.AddThread();
  ThreadMetrics& b = metrics.AddThread();
  std::thread ta([&] {
    for (int i = 0; i < 1000; ++i) a.Request(Protocol::kLine, Verb::kHit, RequestResult::kAllowed);
    for (int i = 0; i < 10; ++i) a.Limit("api").allowed.Add();
  });
  std::thread tb([&] {
    for (int i = 0; i < 500; ++i) b.Request(Protocol::kLine, Verb::kHit, RequestResult::kAllowed);
    for (int i = 0; i < 3; ++i) b.Limit("api").allowed.Add();
    b.Limit("login").denied.Add();
  });
  ta.join();
  tb.join();
  const std::string page = metrics.Render();
  EXPECT_EQ(SampleOf(page, "limitsd_requests_total{protocol=\"line\",verb=\"hit\",result=\"allowed\"}"),
            1500u);
  EXPECT_EQ(SampleOf(page, "limitsd_decisions_total{limit=\"api\",outcome=\"allowed\"}"), 13u);
  EXPECT_EQ(SampleOf(page, "limitsd_decisions_total{limit=\"login\",outcome=\"denied\"}"), 1u);
  EXPECT_EQ(SampleOf(page, "limitsd_decisions_total{limit=\"login\",outcome=\"shadow\"}"), 0u);
}

TEST(Metrics, RejectedRequestsCountAsInvalidWithTheirCode) {
  Metrics metrics;
  ThreadMetrics& t = metrics.AddThread();
  t.Rejected(Protocol::kResp, ErrorCode::kSyntax);
  t.Rejected(Protocol::kResp, ErrorCode::kTooLong);
  const std::string page = metrics.Render();
  EXPECT_EQ(SampleOf(page, "limitsd_requests_total{protocol=\"resp\",verb=\"invalid\",result=\"error\"}"),
            2u);
  EXPECT_EQ(SampleOf(page, "limitsd_request_errors_total{protocol=\"resp\",code=\"too_long\"}"), 1u);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics metrics;
  ThreadMetrics& t = metrics.AddThread();
  t.RequestLatency(Protocol::kLine, 40us, 3);   // <= 50 us
  t.RequestLatency(Protocol::kLine, 700us);     // <= 1 ms
  t.RequestLatency(Protocol::kLine, 10s);       // above every bound
  const std::string page = metrics.Render();
  const std::string name = "limitsd_request_duration_seconds";
  EXPECT_EQ(SampleOf(page, name + "_bucket{protocol=\"line\",le=\"5e-05\"}"), 3u);
  EXPECT_EQ(SampleOf(page, name + "_bucket{protocol=\"line\",le=\"0.0005\"}"), 3u);
  EXPECT_EQ(SampleOf(page, name + "_bucket{protocol=\"line\",le=\"0.001\"}"), 4u);
  EXPECT_EQ(SampleOf(page, name + "_bucket{protocol=\"line\",le=\"2.5\"}"), 4u);
  EXPECT_EQ(SampleOf(page, name + "_bucket{protocol=\"line\",le=\"+Inf\"}"), 5u);
  EXPECT_EQ(SampleOf(page, name + "_count{protocol=\"line\"}"), 5u);
  EXPECT_NE(page.find(name + "_sum{protocol=\"line\"} 10.00082"), std::string::npos) << page;
  EXPECT_EQ(SampleOf(page, name + "_count{protocol=\"http\"}"), 0u);
}

TEST(Metrics, StorageErrorsByKind) {
  Metrics metrics;
  ThreadMetrics& t = metrics.AddThread();
  t.StorageError(storage::StorageErrc::kTimeout);
  t.StorageError(storage::StorageErrc::kTimeout);
  t.StorageError(std::make_error_code(std::errc::connection_refused));
  const std::string page = metrics.Render();
  EXPECT_EQ(SampleOf(page, "limitsd_storage_errors_total{kind=\"timeout\"}"), 2u);
  EXPECT_EQ(SampleOf(page, "limitsd_storage_errors_total{kind=\"other\"}"), 1u);
}

TEST(Metrics, EveryFamilyHasHelpAndTypeAndTheProcessIsDescribed) {
  Metrics metrics;
  metrics.AddThread().Limit("api").allowed.Add();
  metrics.AddSource([](std::string& out) { out += "# HELP extra_total x\n# TYPE extra_total counter\nextra_total 7\n"; });
  const std::string page = metrics.Render();
  EXPECT_EQ(SampleOf(page, "extra_total"), 7u);
  EXPECT_NE(page.find("limitsd_build_info{version=\""), std::string::npos);
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_open_fds", "process_max_fds", "process_start_time_seconds"}) {
    EXPECT_NE(page.find(std::string("\n") + name + " "), std::string::npos) << name;
  }
  // Every sample's family was announced before it.
  std::size_t at = 0;
  while (at < page.size()) {
    const std::size_t end = page.find('\n', at);
    const std::string line = page.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line[0] == '#') continue;
    std::string family = line.substr(0, line.find_first_of("{ "));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (family.size() > s.size() && family.ends_with(s) &&
          page.find("# TYPE " + family.substr(0, family.size() - s.size()) + " histogram") !=
              std::string::npos) {
        family.resize(family.size() - s.size());
      }
    }
    EXPECT_NE(page.find("# HELP " + family + " "), std::string::npos) << line;
    EXPECT_NE(page.find("# TYPE " + family + " "), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace limitsd::server
