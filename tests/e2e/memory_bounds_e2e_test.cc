// The memory store's bound on keys (storage.options.max_keys) through the real daemon:
// far more distinct keys than the bound, the documented error on every door, and a key
// count that stays at the bound.

#include <gtest/gtest.h>

#include <string>

#include "tests/e2e/admin_client.h"
#include "tests/e2e/daemon_process.h"
#include "tests/e2e/line_client.h"

namespace limitsd::e2e {
namespace {

using std::chrono::seconds;

constexpr int kMaxKeys = 1000;
constexpr int kDistinctKeys = 5000;

class MemoryBoundsE2E : public ::testing::Test {
 protected:
  std::string Config(const char* when_full) {
    return "admin: { listen: \"127.0.0.1:" + std::to_string(admin_) + "\" }\n" +
           "http: { listen: \"127.0.0.1:" + std::to_string(http_) + "\" }\n" +
           "storage: { uri: \"memory://\", options: { max_keys: " + std::to_string(kMaxKeys) +
           ", when_full: " + when_full + " } }\n" + "limits:\n  api: { rate: \"5/minute\" }\n";
  }
  /// HITs `api` for keys 0 to kDistinctKeys - 1, pipelined 500 at a time; counts the
  /// replies that start with "OK" and with "ERR storage_full".
  void Flood(LineClient& client, int& ok, int& full) {
    for (int first = 0; first < kDistinctKeys; first += 500) {
      std::string batch;
      for (int i = first; i < first + 500; ++i) batch += "HIT api user" + std::to_string(i) + "\n";
      client.Send(batch);
      for (int i = first; i < first + 500; ++i) {
        const std::string reply = client.ReadLine().value_or("<none>");
        if (reply.rfind("OK ", 0) == 0) {
          ++ok;
        } else {
          ASSERT_EQ(reply.rfind("ERR storage_full ", 0), 0u) << reply;
          EXPECT_NE(reply.find("max_keys"), std::string::npos) << reply;
          ++full;
        }
      }
    }
  }

  std::uint16_t admin_ = testing::FreePort();
  std::uint16_t http_ = testing::FreePort();
};

TEST_F(MemoryBoundsE2E, DenyAnswersStorageFullAndTheKeyCountStaysAtTheBound) {
  DaemonProcess daemon(Config("deny"));
  ASSERT_TRUE(testing::WaitForPort(admin_, seconds(5)));
  ASSERT_TRUE(testing::WaitForPort(http_, seconds(5)));
  LineClient client(daemon.port());
  int ok = 0;
  int full = 0;
  Flood(client, ok, full);
  // max_keys below 1024 keeps one shard: exactly the bound is stored.
  EXPECT_EQ(ok, kMaxKeys);
  EXPECT_EQ(full, kDistinctKeys - kMaxKeys);
  // Stored keys are still decided; a new key is refused on every door.
  EXPECT_EQ(client.Ask("HIT api user0").rfind("OK 5 3 ", 0), 0u);
  client.Send("*3\r\n$3\r\nHIT\r\n$3\r\napi\r\n$7\r\nnewuser\r\n");
  const std::string resp = client.ReadLine().value_or("<none>");
  EXPECT_EQ(resp.rfind("-ERR storage_full ", 0), 0u) << resp;
  const HttpReply http =
      Http(http_, "POST", "/v1/hit", R"({"limit": "api", "key": "another"})");
  EXPECT_EQ(http.status, 507) << http.headers << http.body;
  EXPECT_NE(http.body.find("storage_full"), std::string::npos) << http.body;

  const std::string page = Http(admin_, "GET", "/metrics").body;
  EXPECT_EQ(MetricValue(page, "limitsd_memory_keys"), static_cast<std::uint64_t>(kMaxKeys));
  EXPECT_EQ(MetricValue(page, "limitsd_memory_max_keys"), static_cast<std::uint64_t>(kMaxKeys));
  EXPECT_EQ(MetricValue(page, "limitsd_memory_keys_refused_total"),
            static_cast<std::uint64_t>(kDistinctKeys - kMaxKeys + 2));
  EXPECT_EQ(MetricValue(page, "limitsd_memory_keys_evicted_total"), 0u);
  EXPECT_EQ(
      MetricValue(page, "limitsd_request_errors_total{protocol=\"line\",code=\"storage_full\"}"),
      static_cast<std::uint64_t>(kDistinctKeys - kMaxKeys));
}

TEST_F(MemoryBoundsE2E, EvictAdmitsEveryNewKeyAndTheKeyCountStaysAtTheBound) {
  DaemonProcess daemon(Config("evict"));
  ASSERT_TRUE(testing::WaitForPort(admin_, seconds(5)));
  LineClient client(daemon.port());
  int ok = 0;
  int full = 0;
  Flood(client, ok, full);
  EXPECT_EQ(ok, kDistinctKeys);
  EXPECT_EQ(full, 0);
  const std::string page = Http(admin_, "GET", "/metrics").body;
  EXPECT_LE(MetricValue(page, "limitsd_memory_keys"), static_cast<std::uint64_t>(kMaxKeys));
  EXPECT_GE(MetricValue(page, "limitsd_memory_keys_evicted_total"),
            static_cast<std::uint64_t>(kDistinctKeys - kMaxKeys));
  EXPECT_EQ(MetricValue(page, "limitsd_memory_keys_refused_total"), 0u);
}

}  // namespace
}  // namespace limitsd::e2e
