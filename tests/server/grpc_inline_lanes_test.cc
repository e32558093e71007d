#include "server/grpc_inline_lanes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "envoy/service/ratelimit/v3/rls.pb.h"
#include "tests/server/server_fixture.h"
#include "tests/support/test_support.h"

namespace limitsd::server {
namespace {

namespace rls = envoy::service::ratelimit::v3;
using testing::MakeGeneration;
using testing::SampleOf;

constexpr int kLimit = 1000;

// envoy.config with one rule: domain "t", key "user", kLimit a minute.
class GrpcInlineLanesTest : public ::testing::Test {
 protected:
  GrpcInlineLanesTest() {
    std::ofstream(dir_.path() / "rules.yaml")
        << "domain: t\ndescriptors:\n  - key: user\n    rate_limit: { unit: minute, "
           "requests_per_unit: "
        << kLimit << " }\n";
    yaml_ = "envoy: { config: [\"" + dir_.path().string() + "\"] }\n";
  }

  static rls::RateLimitRequest Request(const std::string& user) {
    rls::RateLimitRequest request;
    request.set_domain("t");
    auto* entry = request.add_descriptors()->add_entries();
    entry->set_key("user");
    entry->set_value(user);
    return request;
  }

  static std::uint64_t Requests(const Metrics& metrics, const char* result) {
    return SampleOf(metrics.Render(), std::string("limitsd_requests_total{protocol=\"grpc\",") +
                                          "verb=\"hit\",result=\"" + result + "\"}");
  }

  limitsd::testing::TempDir dir_;
  std::string yaml_;
};

TEST_F(GrpcInlineLanesTest, AFreeLaneIsTakenFromTheTurnOnAndNoneWhenAllAreHeld) {
  Metrics metrics;
  GrpcInlineLanes lanes(MakeGeneration(yaml_), 2, metrics);
  GrpcInlineLane* first = lanes.Acquire(1);
  ASSERT_NE(first, nullptr);
  GrpcInlineLane* second = lanes.Acquire(1);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first, second);
  EXPECT_EQ(lanes.Acquire(0), nullptr);
  lanes.Release(*second);
  EXPECT_EQ(lanes.Acquire(1), second);
  lanes.Release(*first);
  lanes.Release(*second);
}

TEST_F(GrpcInlineLanesTest, NoLaneWhileThePublishedStorageHasToBeWaitedOn) {
  Metrics metrics;
  auto memory = MakeGeneration(yaml_);
  GrpcInlineLanes lanes(memory, 1, metrics);
  // on_error: local adds a stand-in store that a failing storage's calls wait for.
  lanes.Publish(
      MakeGeneration(yaml_ + "storage: { uri: \"memory://\", on_error: local }\n", memory, 2));
  EXPECT_EQ(lanes.Acquire(0), nullptr);
  auto again = MakeGeneration(yaml_, memory, 3);
  lanes.Publish(again);
  GrpcInlineLane* lane = lanes.Acquire(0);
  ASSERT_NE(lane, nullptr);
  EXPECT_EQ(lane->decider().envoy(), again->envoy);
  lanes.Release(*lane);
}

// A reload reaches every lane, the free ones at once and a held one when it is released,
// even when its storage has to be waited on and no lane is taken again: no lane keeps the
// generation before (and its storage) alive.
TEST_F(GrpcInlineLanesTest, APublishedGenerationReachesEveryLaneAndTheOneBeforeIsLetGo) {
  Metrics metrics;
  auto first = MakeGeneration(yaml_);
  const std::weak_ptr<const Generation> before = first;
  GrpcInlineLanes lanes(first, 2, metrics);
  GrpcInlineLane* held = lanes.Acquire(0);
  ASSERT_NE(held, nullptr);
  auto waits =
      MakeGeneration(yaml_ + "storage: { uri: \"memory://\", on_error: local }\n", first, 2);
  first.reset();
  lanes.Publish(waits);
  EXPECT_EQ(lanes.Acquire(0), nullptr);
  EXPECT_FALSE(before.expired());  // the held lane's call still decides with it
  lanes.Release(*held);
  EXPECT_TRUE(before.expired());
}

// Several threads decide one key through the lanes while another publishes reloads (of
// the same storage) and another scrapes the metrics: exactly the limit is admitted, every
// call is counted once, and every lane ends on the generation published last.
TEST_F(GrpcInlineLanesTest, ThreadsDecideExactlyTheLimitAcrossReloadsAndCountEveryCall) {
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 1500;
  constexpr int kReloads = 20;
  Metrics metrics;
  auto first = MakeGeneration(yaml_);
  GrpcInlineLanes lanes(first, 2, metrics);

  std::atomic<int> allowed{0};
  std::atomic<int> denied{0};
  std::atomic<int> busy{0};  // a call found every lane held (the caller hands it off)
  std::atomic<int> deciding{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const rls::RateLimitRequest request = Request("u");
      std::size_t turn = static_cast<std::size_t>(t);
      for (int i = 0; i < kCallsPerThread; ++i) {
        GrpcInlineLane* lane = nullptr;
        while ((lane = lanes.Acquire(turn++)) == nullptr) {
          busy.fetch_add(1, std::memory_order_relaxed);
          std::this_thread::yield();
        }
        rls::RateLimitResponse response;
        storage::Pending<RlsStatus> pending = lane->handler().Start(request, response);
        const bool ready = pending.ready();
        const RlsStatus status = ready ? std::move(pending).value() : RlsStatus{};
        lanes.Release(*lane);
        if (!ready || status.code != RlsStatus::Code::kOk) {
          ADD_FAILURE() << "not answered at once, or failed: " << status.message;
          break;
        }
        (response.overall_code() == rls::RateLimitResponse::OK ? allowed : denied)
            .fetch_add(1, std::memory_order_relaxed);
      }
      deciding.fetch_sub(1, std::memory_order_release);
    });
  }
  std::shared_ptr<const Generation> last = first;
  std::thread reloader([&] {
    for (int n = 2; n <= kReloads + 1; ++n) {
      last = MakeGeneration(yaml_, last, static_cast<std::uint64_t>(n));
      lanes.Publish(last);
      std::this_thread::yield();
    }
  });
  std::thread scraper([&] {
    while (deciding.load(std::memory_order_acquire) > 0) (void)metrics.Render();
  });
  for (std::thread& thread : threads) thread.join();
  reloader.join();
  scraper.join();

  EXPECT_EQ(allowed.load(), kLimit);
  EXPECT_EQ(denied.load(), kThreads * kCallsPerThread - kLimit);
  EXPECT_EQ(Requests(metrics, "allowed"), static_cast<std::uint64_t>(kLimit));
  EXPECT_EQ(Requests(metrics, "denied"),
            static_cast<std::uint64_t>(kThreads * kCallsPerThread - kLimit));
  GrpcInlineLane* a = lanes.Acquire(0);
  GrpcInlineLane* b = lanes.Acquire(0);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->decider().envoy(), last->envoy);
  EXPECT_EQ(b->decider().envoy(), last->envoy);
  lanes.Release(*a);
  lanes.Release(*b);
  RecordProperty("busy", busy.load());
}

}  // namespace
}  // namespace limitsd::server
