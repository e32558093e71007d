// The metrics of the real binary: counted by every front door, valid for promtool, and
// scraped by a real Prometheus server that then answers a query about a named limit.

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "tests/e2e/admin_client.h"
#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class MetricsE2E : public ::testing::Test {
 protected:
  MetricsE2E()
      : admin_(testing::FreePort()),
        daemon_("admin: { listen: \"127.0.0.1:" + std::to_string(admin_) + "\" }\n"
                "limits:\n"
                "  api: { rate: \"5/minute\" }\n"
                "  login: { rate: \"2/minute\", strategy: moving-window }\n") {
    EXPECT_TRUE(testing::WaitForPort(admin_, seconds(5)));
  }
  /// Some traffic on both wires: api 4 allowed (2 near the limit), login 2 allowed and
  /// 1 denied, 1 inline, PINGs, a request the parser refuses.
  void Traffic() {
    LineClient line(daemon_.port());
    for (int i = 0; i < 4; ++i) line.Ask("HIT api user");
    for (int i = 0; i < 3; ++i) line.Ask("HIT login user");
    line.Ask("HIT 10/second user");
    line.Ask("PING");
    line.Ask("HIT api");  // no key: the parser refuses it
    LineClient resp(daemon_.port());
    resp.Send("*1\r\n$4\r\nPING\r\n");
    resp.ReadLine();
    resp.Send("*3\r\n$4\r\nTEST\r\n$3\r\napi\r\n$4\r\nuser\r\n");
    for (int i = 0; i < 6; ++i) resp.ReadLine();
  }

  std::uint16_t admin_;
  DaemonProcess daemon_;
};

TEST_F(MetricsE2E, CountsEveryFrontDoorAndPassesPromtool) {
  Traffic();
  const std::string page = Http(admin_, "GET", "/metrics").body;
  EXPECT_EQ(MetricValue(page, "limitsd_decisions_total{limit=\"api\",outcome=\"allowed\"}"), 5u);
  EXPECT_EQ(MetricValue(page, "limitsd_decisions_near_limit_total{limit=\"api\"}"), 2u);
  EXPECT_EQ(MetricValue(page, "limitsd_decisions_total{limit=\"login\",outcome=\"allowed\"}"), 2u);
  EXPECT_EQ(MetricValue(page, "limitsd_decisions_total{limit=\"login\",outcome=\"denied\"}"), 1u);
  EXPECT_EQ(MetricValue(page, "limitsd_decisions_total{limit=\"(inline)\",outcome=\"allowed\"}"),
            1u);
  EXPECT_EQ(MetricValue(
                page, "limitsd_requests_total{protocol=\"line\",verb=\"hit\",result=\"allowed\"}"),
            7u);
  EXPECT_EQ(
      MetricValue(page, "limitsd_requests_total{protocol=\"line\",verb=\"ping\",result=\"ok\"}"),
      1u);
  EXPECT_EQ(
      MetricValue(page,
                  "limitsd_requests_total{protocol=\"line\",verb=\"invalid\",result=\"error\"}"),
      1u);
  EXPECT_EQ(MetricValue(
                page, "limitsd_requests_total{protocol=\"resp\",verb=\"test\",result=\"allowed\"}"),
            1u);
  EXPECT_EQ(MetricValue(page, "limitsd_request_duration_seconds_count{protocol=\"line\"}"), 10u);
  EXPECT_EQ(MetricValue(page, "limitsd_request_duration_seconds_count{protocol=\"resp\"}"), 2u);
  EXPECT_GT(MetricValue(page, "process_open_fds"), 0u);

  testing::TempDir dir;
  std::ofstream(dir.path() / "metrics.txt") << page;
  const std::string promtool = testing::FindProgram("promtool");
  ASSERT_FALSE(promtool.empty()) << "promtool (Debian's prometheus package) is needed";
  testing::ChildProcess check({"sh", "-c", promtool + " check metrics < " +
                                               (dir.path() / "metrics.txt").string()},
                              (dir.path() / "out").string());
  const int status = check.Wait(seconds(30));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << testing::ReadFile(dir.path() / "out");
  EXPECT_EQ(testing::ReadFile(dir.path() / "out"), "");
}

TEST_F(MetricsE2E, APrometheusServerScrapesTheDaemon) {
  const std::string prometheus = testing::FindProgram("prometheus");
  ASSERT_FALSE(prometheus.empty()) << "prometheus (Debian's prometheus package) is needed";
  Traffic();
  testing::TempDir dir;
  std::ofstream(dir.path() / "prometheus.yml")
      << "global: { scrape_interval: 1s, evaluation_interval: 1s }\n"
         "scrape_configs:\n"
         "  - job_name: limitsd\n"
         "    static_configs: [ { targets: [\"127.0.0.1:" << admin_ << "\"] } ]\n";
  const std::uint16_t port = testing::FreePort();
  testing::ChildProcess server(
      {prometheus, "--config.file=" + (dir.path() / "prometheus.yml").string(),
       "--storage.tsdb.path=" + (dir.path() / "data").string(),
       "--web.listen-address=127.0.0.1:" + std::to_string(port)},
      (dir.path() / "log").string());
  ASSERT_TRUE(testing::WaitForPort(port, seconds(60))) << testing::ReadFile(dir.path() / "log");
  // limitsd_decisions_total{limit="api",outcome="allowed"}
  const std::string query =
      "/api/v1/query?query=limitsd_decisions_total%7Blimit%3D%22api%22%2Coutcome%3D%22allowed%22%7D";
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    answer = Http(port, "GET", query).body;
    if (answer.find("\"5\"]") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_NE(answer.find("\"status\":\"success\""), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"limit\":\"api\""), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"5\"]"), std::string::npos)
      << answer << "\n" << testing::ReadFile(dir.path() / "log");
}

TEST(MetricsHttpE2E, TheHttpApiIsCountedAsHttp) {
  const std::uint16_t admin = testing::FreePort();
  const std::uint16_t http = testing::FreePort();
  DaemonProcess daemon("admin: { listen: \"127.0.0.1:" + std::to_string(admin) + "\" }\n"
                       "http: { listen: \"127.0.0.1:" + std::to_string(http) + "\" }\n"
                       "limits: { trial: { rate: \"1/minute\", shadow: true } }\n");
  ASSERT_TRUE(testing::WaitForPort(http, seconds(5)));
  const std::string body = R"({"limit": "trial", "key": "alice"})";
  const HttpReply first = Http(http, "POST", "/v1/hit", body);
  EXPECT_EQ(first.body.find("shadowed"), std::string::npos) << first.body;
  const HttpReply second = Http(http, "POST", "/v1/hit", body);
  EXPECT_EQ(second.status, 200) << second.headers;
  EXPECT_NE(second.body.find("\"shadowed\":true"), std::string::npos) << second.body;
  const std::string page = Http(admin, "GET", "/metrics").body;
  EXPECT_EQ(MetricValue(
                page, "limitsd_requests_total{protocol=\"http\",verb=\"hit\",result=\"allowed\"}"),
            2u);
  EXPECT_EQ(MetricValue(page, "limitsd_decisions_total{limit=\"trial\",outcome=\"shadow\"}"), 1u);
  EXPECT_EQ(MetricValue(page, "limitsd_request_duration_seconds_count{protocol=\"http\"}"), 2u);
}

TEST(MetricsRedisE2E, DenialsAnsweredFromTheDenyCacheAreCounted) {
  storage::redis::testing::RedisServer redis;
  const std::uint16_t admin = testing::FreePort();
  DaemonProcess daemon("admin: { listen: \"127.0.0.1:" + std::to_string(admin) + "\" }\n"
                       "storage: { uri: \"" + redis.Uri() + "\" }\n");
  LineClient c(daemon.port());
  EXPECT_EQ(Fields(c.Ask("HIT 1/minute k"))[0], "OK");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Fields(c.Ask("HIT 1/minute k"))[0], "DENY");
  ASSERT_TRUE(testing::WaitForPort(admin, seconds(5)));
  const std::string page = Http(admin, "GET", "/metrics").body;
  // The first denial came from Redis and was remembered; the next three did not ask it.
  EXPECT_EQ(MetricValue(page, "limitsd_deny_cache_hits_total"), 3u);
  EXPECT_EQ(MetricValue(page, "limitsd_storage_call_duration_seconds_count"), 5u);  // all awaited
}

TEST(ShadowE2E, AShadowedLimitAllowsSaysSoAndIsCounted) {
  const std::uint16_t admin = testing::FreePort();
  DaemonProcess daemon("admin: { listen: \"127.0.0.1:" + std::to_string(admin) + "\" }\n"
                       "limits:\n  trial: { rate: \"1/minute\", shadow: true }\n");
  LineClient c(daemon.port());
  EXPECT_EQ(Fields(c.Ask("HIT trial k")).size(), 5u);
  const std::vector<std::string> shadowed = Fields(c.Ask("HIT trial k"));
  ASSERT_EQ(shadowed.size(), 6u);
  EXPECT_EQ(shadowed[0], "OK");
  EXPECT_EQ(shadowed[2], "0");
  EXPECT_EQ(shadowed[4], "0");
  EXPECT_EQ(shadowed[5], "shadow");
  c.Send("*3\r\n$3\r\nHIT\r\n$5\r\ntrial\r\n$1\r\nk\r\n");
  EXPECT_EQ(c.ReadLine().value_or(""), "*5\r");
  EXPECT_EQ(c.ReadLine().value_or(""), ":1\r");  // allowed
  for (int i = 0; i < 4; ++i) c.ReadLine();
  ASSERT_TRUE(testing::WaitForPort(admin, seconds(5)));
  const std::string page = Http(admin, "GET", "/metrics").body;
  EXPECT_EQ(MetricValue(page, "limitsd_decisions_total{limit=\"trial\",outcome=\"shadow\"}"), 2u);
  EXPECT_EQ(MetricValue(page, "limitsd_decisions_total{limit=\"trial\",outcome=\"allowed\"}"), 1u);
  EXPECT_EQ(MetricValue(page, "limitsd_decisions_total{limit=\"trial\",outcome=\"denied\"}"), 0u);

  // Enforcing it is one reload away; its counters carry over.
  std::ofstream(daemon.config_path())
      << "admin: { listen: \"127.0.0.1:" + std::to_string(admin) + "\" }\n"
         "limits:\n  trial: { rate: \"1/minute\" }\n";
  EXPECT_EQ(Http(admin, "POST", "/reload").status, 200);
  EXPECT_EQ(Fields(c.Ask("HIT trial k"))[0], "DENY");
}

}  // namespace
}  // namespace limitsd::e2e
