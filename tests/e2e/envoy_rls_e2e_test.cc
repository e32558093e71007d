// Envoy's rate limit service (gRPC RLS v3) through the real daemon, spoken to by a gRPC
// client built from our .proto files: envoyproxy/ratelimit's README examples and the
// decisions it documents, wildcards, nesting, replaces, shadow mode, unlimited, checks that
// take nothing, overrides, all-or-nothing requests, exact admission under concurrency, bad
// requests: each on memory:// and on redis://. Then one Redis shared by two daemons, a
// storage outage, and the rule files' errors and reloads.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "tests/e2e/daemon_process.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::e2e {
namespace {

namespace rls = envoy::service::ratelimit::v3;
using Entries = std::vector<std::pair<std::string, std::string>>;
using Response = rls::RateLimitResponse;
using storage::redis::testing::RedisServer;

constexpr auto kOk = Response::OK;
constexpr auto kOver = Response::OVER_LIMIT;

// The rules of envoyproxy/ratelimit's README examples, with small numbers where a test
// must reach them.
constexpr const char* kMessaging = R"(
domain: messaging
descriptors:
  # Only allow 5 marketing messages a day
  - key: message_type
    value: marketing
    descriptors:
      - key: to_number
        rate_limit:
          unit: day
          requests_per_unit: 5
  # Only allow 100 messages a day to any unique phone number
  - key: to_number
    rate_limit:
      unit: day
      requests_per_unit: 100
)";

constexpr const char* kEdge = R"(
domain: edge_proxy_per_ip
descriptors:
  - key: remote_address
    rate_limit:
      unit: second
      requests_per_unit: 10
  # Black list IP
  - key: remote_address
    value: 50.0.0.5
    rate_limit:
      unit: second
      requests_per_unit: 0
  - key: ratelimitkey
    descriptors:
      - key: path
        rate_limit:
          requests_per_unit: 300
          unit: second
)";

constexpr const char* kMisc = R"(
domain: misc
descriptors:
  - key: client_id
    value: client_*
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: route
    value: "/api/*/items*"
    rate_limit: { unit: minute, requests_per_unit: 1 }
  - key: client_id
    rate_limit: { unit: minute, requests_per_unit: 4 }
  - key: shared
    value: "s*"
    share_threshold: true
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: ldap
    rate_limit: { unlimited: true }
  - key: auth-token
    shadow_mode: true
    rate_limit: { unit: minute, requests_per_unit: 1 }
  - key: remote_address
    rate_limit: { name: per_ip, unit: hour, requests_per_unit: 3 }
  - key: api_key
    rate_limit:
      unit: hour
      requests_per_unit: 5
      replaces: [ { name: per_ip } ]
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: tenant
    rate_limit: { unit: hour, requests_per_unit: 100 }
  - key: login
    rate_limit: { rate: "5 per 10 minutes", strategy: moving-window }
  - key: burst
    rate_limit: { rate: "3/minute;10/hour", name: burst }
  - key: hot
    rate_limit: { unit: hour, requests_per_unit: 100 }
)";

class RlsClient {
 public:
  explicit RlsClient(const std::string& address, bool own_connection = false) {
    grpc::ChannelArguments args;
    if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stub_ = rls::RateLimitService::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }

  grpc::Status Call(const rls::RateLimitRequest& request, Response& response,
                    std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    return stub_->ShouldRateLimit(&context, request, &response);
  }

  /// One descriptor; fails the test on a gRPC error.
  Response Ask(const std::string& domain, const Entries& entries, int hits_addend = 0) {
    return AskMany(domain, {entries}, hits_addend);
  }
  Response AskMany(const std::string& domain, const std::vector<Entries>& descriptors,
                   int hits_addend = 0) {
    Response response;
    const grpc::Status status = Call(Request(domain, descriptors, hits_addend), response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response;
  }

  static rls::RateLimitRequest Request(const std::string& domain,
                                       const std::vector<Entries>& descriptors,
                                       int hits_addend = 0) {
    rls::RateLimitRequest request;
    request.set_domain(domain);
    request.set_hits_addend(static_cast<std::uint32_t>(hits_addend));
    for (const Entries& entries : descriptors) {
      auto* d = request.add_descriptors();
      for (const auto& [key, value] : entries) {
        auto* e = d->add_entries();
        e->set_key(key);
        e->set_value(value);
      }
    }
    return request;
  }

 private:
  std::unique_ptr<rls::RateLimitService::Stub> stub_;
};

std::string WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

// A daemon with the gRPC service on a free port and the example rules.
class EnvoyDaemon {
 public:
  explicit EnvoyDaemon(const std::string& extra = "", const std::string& rules_dir = "")
      : grpc_port_(testing::FreePort()) {
    std::string dir = rules_dir;
    if (dir.empty()) {
      WriteFile(dir_.path() / "messaging.yaml", kMessaging);
      WriteFile(dir_.path() / "edge.yaml", kEdge);
      WriteFile(dir_.path() / "misc.yml", kMisc);
      dir = dir_.path().string();
    }
    daemon_ = std::make_unique<DaemonProcess>(
        "grpc: { listen: \"127.0.0.1:" + std::to_string(grpc_port_) + "\" }\n" +
        "envoy: { config: [\"" + dir + "\"] }\n" + extra);
    if (!testing::WaitForPort(grpc_port_, std::chrono::seconds(10))) {
      ADD_FAILURE() << "the gRPC service did not listen; the log:\n" << daemon_->Log();
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  DaemonProcess& process() { return *daemon_; }

 private:
  testing::TempDir dir_;
  std::uint16_t grpc_port_;
  std::unique_ptr<DaemonProcess> daemon_;
};

// The storage the suite's daemon decides on: every test of the suite runs on both, memory://
// answering at once and redis:// awaited, each request going on from every answer.
enum class Backend { kMemory, kRedis };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMemory ? "memory" : "redis";
}

// One daemon per backend for the whole suite (tests use keys of their own), started when
// its first test runs.
class EnvoyRlsE2E : public ::testing::TestWithParam<Backend> {
 protected:
  static void TearDownTestSuite() {
    memory_.reset();
    redis_daemon_.reset();
    redis_.reset();
  }
  static EnvoyDaemon& Daemon(Backend backend) {
    if (backend == Backend::kMemory) {
      if (!memory_) memory_ = std::make_unique<EnvoyDaemon>();
      return *memory_;
    }
    if (!redis_daemon_) {
      redis_ = std::make_unique<RedisServer>();
      redis_daemon_ = std::make_unique<EnvoyDaemon>("storage: { uri: \"" + redis_->Uri() +
                                                    "\", timeout_ms: 1000 }\n");
    }
    return *redis_daemon_;
  }

  EnvoyDaemon& daemon_ = Daemon(GetParam());
  RlsClient client_{daemon_.address()};

 private:
  static std::unique_ptr<EnvoyDaemon> memory_;
  static std::unique_ptr<RedisServer> redis_;
  static std::unique_ptr<EnvoyDaemon> redis_daemon_;
};
std::unique_ptr<EnvoyDaemon> EnvoyRlsE2E::memory_;
std::unique_ptr<RedisServer> EnvoyRlsE2E::redis_;
std::unique_ptr<EnvoyDaemon> EnvoyRlsE2E::redis_daemon_;

INSTANTIATE_TEST_SUITE_P(EnvoyRls, EnvoyRlsE2E,
                         ::testing::Values(Backend::kMemory, Backend::kRedis), BackendName);

TEST_P(EnvoyRlsE2E, NestedRulesApplyAtTheirDepth) {
  // ("message_type", "marketing"), ("to_number", N): 5 a day for that number.
  const Entries marketing = {{"message_type", "marketing"}, {"to_number", "2061111111"}};
  for (int i = 0; i < 5; ++i) {
    const Response r = client_.Ask("messaging", marketing);
    ASSERT_EQ(r.overall_code(), kOk) << i;
    EXPECT_EQ(r.statuses(0).current_limit().requests_per_unit(), 5u);
    EXPECT_EQ(r.statuses(0).current_limit().unit(), Response::RateLimit::DAY);
    EXPECT_EQ(r.statuses(0).limit_remaining(), static_cast<std::uint32_t>(4 - i));
  }
  EXPECT_EQ(client_.Ask("messaging", marketing).overall_code(), kOver);
  // Another number has its own counter; the same number alone is under the 100 a day.
  EXPECT_EQ(client_.Ask("messaging", {{"message_type", "marketing"}, {"to_number", "2062222222"}})
                .overall_code(),
            kOk);
  const Response plain = client_.Ask("messaging", {{"to_number", "2061111111"}});
  EXPECT_EQ(plain.overall_code(), kOk);
  EXPECT_EQ(plain.statuses(0).current_limit().requests_per_unit(), 100u);
  EXPECT_EQ(plain.statuses(0).limit_remaining(), 99u);
  // message_type alone matches a rule with no limit at its depth: OK, no limit.
  const Response shallow = client_.Ask("messaging", {{"message_type", "marketing"}});
  EXPECT_EQ(shallow.overall_code(), kOk);
  EXPECT_FALSE(shallow.statuses(0).has_current_limit());
}

TEST_P(EnvoyRlsE2E, ExactValueBeforeKeyOnlyAndBlockList) {
  const Response blocked = client_.Ask("edge_proxy_per_ip", {{"remote_address", "50.0.0.5"}});
  EXPECT_EQ(blocked.overall_code(), kOver);
  EXPECT_EQ(blocked.statuses(0).code(), kOver);
  const Response other = client_.Ask("edge_proxy_per_ip", {{"remote_address", "10.0.0.1"}});
  EXPECT_EQ(other.overall_code(), kOk);
  EXPECT_EQ(other.statuses(0).current_limit().requests_per_unit(), 10u);
  EXPECT_EQ(other.statuses(0).current_limit().unit(), Response::RateLimit::SECOND);
  // A rule deeper than the request does not apply; one at its depth does.
  EXPECT_FALSE(
      client_.Ask("edge_proxy_per_ip", {{"ratelimitkey", "foo"}}).statuses(0).has_current_limit());
  EXPECT_EQ(client_.Ask("edge_proxy_per_ip", {{"ratelimitkey", "foo"}, {"path", "/a"}})
                .statuses(0)
                .current_limit()
                .requests_per_unit(),
            300u);
  // So does an entry the rules do not know, after a match.
  EXPECT_FALSE(client_.Ask("edge_proxy_per_ip", {{"remote_address", "10.0.0.1"}, {"x", "y"}})
                   .statuses(0)
                   .has_current_limit());
}

TEST_P(EnvoyRlsE2E, UnknownDomainAndUnmatchedDescriptorAreOk) {
  const Response unknown = client_.Ask("no_such_domain", {{"remote_address", "1.2.3.4"}});
  EXPECT_EQ(unknown.overall_code(), kOk);
  ASSERT_EQ(unknown.statuses_size(), 1);
  EXPECT_EQ(unknown.statuses(0).code(), kOk);
  EXPECT_FALSE(unknown.statuses(0).has_current_limit());
  EXPECT_EQ(client_.Ask("misc", {{"nothing", "here"}}).statuses(0).code(), kOk);
}

TEST_P(EnvoyRlsE2E, WildcardsMatchAnywhereInTheValueAndBeforeTheKeyOnlyRule) {
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(client_.Ask("misc", {{"client_id", "client_a"}}).overall_code(), kOk);
  }
  const Response over = client_.Ask("misc", {{"client_id", "client_a"}});
  EXPECT_EQ(over.overall_code(), kOver);
  EXPECT_EQ(over.statuses(0).current_limit().requests_per_unit(), 2u);
  // Each matching value has its own counter.
  EXPECT_EQ(client_.Ask("misc", {{"client_id", "client_b"}}).overall_code(), kOk);
  // A value the wildcard does not match falls back to the key-only rule.
  EXPECT_EQ(
      client_.Ask("misc", {{"client_id", "other"}}).statuses(0).current_limit().requests_per_unit(),
      4u);
  // '*' in the middle and at the end.
  EXPECT_EQ(client_.Ask("misc", {{"route", "/api/v1/items"}}).overall_code(), kOk);
  EXPECT_EQ(client_.Ask("misc", {{"route", "/api/v1/items"}}).overall_code(), kOver);
  EXPECT_EQ(client_.Ask("misc", {{"route", "/api/v2/items/7"}}).overall_code(), kOk);
  EXPECT_FALSE(client_.Ask("misc", {{"route", "/api/v2/things"}}).statuses(0).has_current_limit());
}

TEST_P(EnvoyRlsE2E, ShareThresholdMakesTheMatchingValuesShareOneCounter) {
  EXPECT_EQ(client_.Ask("misc", {{"shared", "s1"}}).overall_code(), kOk);
  EXPECT_EQ(client_.Ask("misc", {{"shared", "s2"}}).overall_code(), kOk);
  EXPECT_EQ(client_.Ask("misc", {{"shared", "s3"}}).overall_code(), kOver);
}

TEST_P(EnvoyRlsE2E, UnlimitedAnswersOkWithTheMostRemaining) {
  for (int i = 0; i < 3; ++i) {
    const Response r = client_.Ask("misc", {{"ldap", "x"}});
    EXPECT_EQ(r.overall_code(), kOk);
    EXPECT_EQ(r.statuses(0).limit_remaining(), UINT32_MAX);
  }
}

TEST_P(EnvoyRlsE2E, ShadowModeCountsButAlwaysAllows) {
  const Response first = client_.Ask("misc", {{"auth-token", "t1"}});
  EXPECT_EQ(first.overall_code(), kOk);
  EXPECT_EQ(first.statuses(0).limit_remaining(), 0u);
  const Response second = client_.Ask("misc", {{"auth-token", "t1"}});
  EXPECT_EQ(second.overall_code(), kOk);
  EXPECT_EQ(second.statuses(0).code(), kOk);
  EXPECT_EQ(second.statuses(0).current_limit().requests_per_unit(), 1u);
}

TEST_P(EnvoyRlsE2E, ReplacesDropsTheNamedRule) {
  // remote_address alone: 3 an hour. With api_key beside it, per_ip is replaced.
  for (int i = 0; i < 4; ++i) {
    const Response r =
        client_.AskMany("misc", {{{"remote_address", "9.9.9.9"}}, {{"api_key", "k"}}});
    ASSERT_EQ(r.statuses_size(), 2);
    EXPECT_EQ(r.overall_code(), kOk) << i;
    EXPECT_FALSE(r.statuses(0).has_current_limit());
    EXPECT_EQ(r.statuses(1).current_limit().requests_per_unit(), 5u);
  }
  EXPECT_EQ(client_.Ask("misc", {{"remote_address", "9.9.9.9"}}).statuses(0).limit_remaining(), 2u);
}

TEST_P(EnvoyRlsE2E, PerDescriptorHitsAddendZeroChecksWithoutTaking) {
  auto check = [&] {
    rls::RateLimitRequest request = RlsClient::Request("misc", {{{"user", "peek"}}});
    request.mutable_descriptors(0)->mutable_hits_addend()->set_value(0);
    Response r;
    EXPECT_TRUE(client_.Call(request, r).ok());
    return r;
  };
  for (int i = 0; i < 3; ++i) {
    const Response r = check();
    EXPECT_EQ(r.overall_code(), kOk);
    EXPECT_EQ(r.statuses(0).limit_remaining(), 2u);
  }
  EXPECT_EQ(client_.Ask("misc", {{"user", "peek"}}, 2).overall_code(), kOk);
  // Nothing left: a check says so, and still takes nothing.
  const Response exhausted = check();
  EXPECT_EQ(exhausted.overall_code(), kOver);
  EXPECT_EQ(exhausted.statuses(0).limit_remaining(), 0u);
}

TEST_P(EnvoyRlsE2E, HitsAddendIsTheCostAndThePerDescriptorValueWins) {
  rls::RateLimitRequest request =
      RlsClient::Request("misc", {{{"tenant", "cost"}}, {{"tenant", "cost2"}}}, 10);
  request.mutable_descriptors(1)->mutable_hits_addend()->set_value(30);
  Response r;
  ASSERT_TRUE(client_.Call(request, r).ok());
  EXPECT_EQ(r.statuses(0).limit_remaining(), 90u);
  EXPECT_EQ(r.statuses(1).limit_remaining(), 70u);
}

TEST_P(EnvoyRlsE2E, AnOverLimitRequestTakesNothingFromAnyDescriptor) {
  EXPECT_EQ(client_.Ask("misc", {{"user", "aon"}}, 2).overall_code(), kOk);
  for (int i = 0; i < 3; ++i) {
    const Response r = client_.AskMany("misc", {{{"tenant", "aon"}}, {{"user", "aon"}}});
    EXPECT_EQ(r.overall_code(), kOver);
    EXPECT_EQ(r.statuses(0).code(), kOk);
    EXPECT_EQ(r.statuses(1).code(), kOver);
  }
  // tenant "aon" was never charged.
  EXPECT_EQ(client_.Ask("misc", {{"tenant", "aon"}}).statuses(0).limit_remaining(), 99u);
}

TEST_P(EnvoyRlsE2E, ALimitOverrideIsHonoured) {
  auto ask = [&] {
    rls::RateLimitRequest request = RlsClient::Request("misc", {{{"anything", "ov"}}});
    auto* limit = request.mutable_descriptors(0)->mutable_limit();
    limit->set_requests_per_unit(2);
    limit->set_unit(envoy::type::v3::MINUTE);
    Response r;
    EXPECT_TRUE(client_.Call(request, r).ok());
    return r;
  };
  EXPECT_EQ(ask().overall_code(), kOk);
  const Response second = ask();
  EXPECT_EQ(second.overall_code(), kOk);
  EXPECT_EQ(second.statuses(0).current_limit().requests_per_unit(), 2u);
  EXPECT_EQ(second.statuses(0).current_limit().unit(), Response::RateLimit::MINUTE);
  EXPECT_EQ(ask().overall_code(), kOver);
}

TEST_P(EnvoyRlsE2E, StrategyAndRateExtensions) {
  for (int i = 0; i < 5; ++i) {
    const Response r = client_.Ask("misc", {{"login", "u"}});
    ASSERT_EQ(r.overall_code(), kOk) << i;
    // "5 per 10 minutes" has no unit: the name carries the rate.
    EXPECT_EQ(r.statuses(0).current_limit().name(), "5 per 10 minute");
    EXPECT_EQ(r.statuses(0).current_limit().unit(), Response::RateLimit::UNKNOWN);
  }
  const Response over = client_.Ask("misc", {{"login", "u"}});
  EXPECT_EQ(over.overall_code(), kOver);
  EXPECT_GT(over.statuses(0).duration_until_reset().seconds(), 500);
  // Several rates: the binding one is reported.
  const Response burst = client_.Ask("misc", {{"burst", "b"}});
  EXPECT_EQ(burst.statuses(0).current_limit().requests_per_unit(), 3u);
  EXPECT_EQ(burst.statuses(0).current_limit().unit(), Response::RateLimit::MINUTE);
  EXPECT_EQ(burst.statuses(0).current_limit().name(), "burst");
  EXPECT_EQ(burst.statuses(0).limit_remaining(), 2u);
}

TEST_P(EnvoyRlsE2E, BadRequestsAreInvalidArgument) {
  std::vector<rls::RateLimitRequest> bad = {
      RlsClient::Request("", {{{"k", "v"}}}),
      RlsClient::Request("misc", {}),
      RlsClient::Request("misc", {{}}),
      RlsClient::Request("misc", {{{"", "v"}}}),
  };
  for (const auto& request : bad) {
    Response r;
    EXPECT_EQ(client_.Call(request, r).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << request.ShortDebugString();
  }
}

int CountOkUnderFiftyClients(const std::vector<std::string>& addresses) {
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([&, i] {
      RlsClient c(addresses[static_cast<std::size_t>(i) % addresses.size()], true);
      for (int n = 0; n < 6; ++n) {
        Response r;
        const grpc::Status status =
            c.Call(RlsClient::Request("misc", {{{"hot", "one"}}}), r, std::chrono::seconds(20));
        if (status.ok() && r.overall_code() == kOk) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  return ok.load();
}

TEST_P(EnvoyRlsE2E, FiftyConcurrentClientsGetExactlyTheLimit) {
  EXPECT_EQ(CountOkUnderFiftyClients({daemon_.address()}), 100);
}

TEST(EnvoyRlsRedisE2E, TwoDaemonsSharingOneRedisAdmitExactlyTheLimit) {
  RedisServer redis;
  const std::string storage =
      "storage: { uri: \"" + redis.Uri() + "\", timeout_ms: 1000 }\nserver: { threads: 2 }\n";
  EnvoyDaemon a(storage);
  EnvoyDaemon b(storage);
  EXPECT_EQ(CountOkUnderFiftyClients({a.address(), b.address()}), 100);
}

TEST(EnvoyRlsRedisE2E, StorageDownIsUnavailableWithinTheDeadline) {
  RedisServer redis;
  EnvoyDaemon daemon("storage: { uri: \"" + redis.Uri() + "\", timeout_ms: 200 }\n");
  RlsClient client(daemon.address());
  EXPECT_EQ(client.Ask("misc", {{"user", "down"}}).overall_code(), kOk);
  redis.Stop(true);
  Response r;
  const grpc::Status status =
      client.Call(RlsClient::Request("misc", {{{"user", "down"}}}), r, std::chrono::seconds(3));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  redis.Start();
}

// A request of several descriptors is decided in phases: the checks, then a test of every
// descriptor, then the hits. On redis:// each phase goes on from the answers it awaited.
TEST_P(EnvoyRlsE2E, SeveralDescriptorsAreTestedThenHitAcrossTheWaits) {
  EXPECT_EQ(client_.Ask("misc", {{"user", "peek2"}}).overall_code(), kOk);
  // A check beside a hit takes nothing of its own; the hit takes from its descriptor.
  rls::RateLimitRequest request =
      RlsClient::Request("misc", {{{"user", "peek2"}}, {{"tenant", "peek2"}}}, 10);
  request.mutable_descriptors(0)->mutable_hits_addend()->set_value(0);
  Response r;
  ASSERT_TRUE(client_.Call(request, r).ok());
  EXPECT_EQ(r.overall_code(), kOk);
  EXPECT_EQ(r.statuses(0).limit_remaining(), 1u);
  EXPECT_EQ(r.statuses(1).limit_remaining(), 90u);
  EXPECT_EQ(client_.Ask("misc", {{"user", "peek2"}}).statuses(0).limit_remaining(), 0u);
  // Over the limit: the hit on tenant is not taken either.
  const Response over = client_.AskMany("misc", {{{"tenant", "peek2"}}, {{"user", "peek2"}}});
  EXPECT_EQ(over.overall_code(), kOver);
  EXPECT_EQ(client_.Ask("misc", {{"tenant", "peek2"}}).statuses(0).limit_remaining(), 89u);
}

TEST(EnvoyRlsConfigE2E, ErrorsInRatelimitFilesAreReportedWithTheirPlace) {
  testing::TempDir dir;
  const std::string rules = WriteFile(dir.path() / "bad.yaml", R"(domain: d
descriptors:
  - key: a
    rate_limit: { unit: fortnight, requests_per_unit: 1 }
  - key: b
    rate_limit: { unlimited: true, unit: second }
  - key: c
    metadata: { x: 1 }
)");
  const std::string config =
      WriteFile(dir.path() / "limitsd.yaml", "envoy: { config: [\"" + rules + "\"] }\n");
  const auto [code, out] = RunLimitsd({"--check", "--config", config});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find(rules + ":4:25: invalid rate limit unit \"fortnight\""), std::string::npos)
      << out;
  EXPECT_NE(out.find(rules + ":6:"), std::string::npos) << out;
  EXPECT_NE(out.find(rules + ":8:5: \"metadata\" is not implemented by limitsd"), std::string::npos)
      << out;
  // Strategies and rates are checked once the files load.
  WriteFile(rules, R"(domain: d
descriptors:
  - key: d
    rate_limit: { rate: "5 per 10 minutes", strategy: leaky }
  - key: e
    rate_limit: { rate: "5 per fortnight" }
)");
  const auto [code2, out2] = RunLimitsd({"--check", "--config", config});
  EXPECT_EQ(code2, 1) << out2;
  EXPECT_NE(out2.find(rules + ":4:55: unknown strategy \"leaky\""), std::string::npos) << out2;
  EXPECT_NE(out2.find(rules + ":6:25: "), std::string::npos) << out2;
}

// The rule files are watched like limitsd.yaml: an edit in place and a new file in the
// directory of envoy.config are served without a signal.
TEST(EnvoyRlsConfigE2E, ChangedRuleFilesAreReloaded) {
  testing::TempDir rules;
  const auto rule = [](const std::string& domain, int per_minute) {
    return "domain: " + domain + "\ndescriptors:\n  - key: k\n    rate_limit: { unit: minute, " +
           "requests_per_unit: " + std::to_string(per_minute) + " }\n";
  };
  WriteFile(rules.path() / "watched.yaml", rule("watched", 3));
  EnvoyDaemon daemon("", rules.path().string());
  RlsClient client(daemon.address());
  const auto limit_of = [&](const std::string& domain) -> std::uint32_t {
    const Response r = client.Ask(domain, {{"k", "v"}});
    return r.statuses_size() == 1 && r.statuses(0).has_current_limit()
               ? r.statuses(0).current_limit().requests_per_unit()
               : 0;
  };
  const auto eventually = [](const std::function<bool()>& probe) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (probe()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return probe();
  };
  EXPECT_EQ(limit_of("watched"), 3u);
  EXPECT_EQ(limit_of("added"), 0u);  // no file declares it yet
  WriteFile(rules.path() / "watched.yaml", rule("watched", 7));
  EXPECT_TRUE(eventually([&] { return limit_of("watched") == 7u; })) << daemon.process().Log();
  WriteFile(rules.path() / "added.yml", rule("added", 5));
  EXPECT_TRUE(eventually([&] { return limit_of("added") == 5u; })) << daemon.process().Log();
  EXPECT_EQ(limit_of("watched"), 7u);
}

}  // namespace
}  // namespace limitsd::e2e
