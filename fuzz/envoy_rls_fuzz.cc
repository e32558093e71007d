// libFuzzer target: Envoy's rate limit service mapping (RlsHandler: a RateLimitRequest to
// descriptors, rules, limits and counter keys, and the decisions back to a response). The
// input bytes are parsed as a RateLimitRequest protobuf; inputs that are not one are
// skipped. The rules below exercise every kind of match (exact, wildcard, key only, nested,
// replaces, shadow and quota modes, unlimited, blocking, limitsd's rate and strategy), and
// the decisions come from two memory:// stores, each input going through both: a large one
// that evicts when full, and a small one that refuses new keys (storage_full, with what a
// request's earlier descriptors took given back). Checks, besides the sanitizers: a request
// is answered OK with one status per descriptor, or refused with a reason (memory:// never
// fails otherwise); an OVER_LIMIT answer has a descriptor over its limit, and every
// descriptor over its limit names it; a domain without rules is OK throughout.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "config/config_loader.h"
#include "config/diagnostic.h"
#include "config/envoy_rules_loader.h"
#include "server/config_validator.h"
#include "server/decider.h"
#include "server/envoy_limits.h"
#include "server/generation.h"
#include "server/limit_table.h"
#include "server/metrics.h"
#include "server/rls_handler.h"

namespace {

using limitsd::server::RlsHandler;
using limitsd::server::RlsStatus;

constexpr const char* kRules = R"(domain: web
descriptors:
  - key: path
    value: /login
    rate_limit: { unit: minute, requests_per_unit: 5 }
  - key: path
    value: "/api/*"
    share_threshold: true
    rate_limit: { name: api, unit: second, requests_per_unit: 50 }
  - key: path
    rate_limit: { name: any_path, rate: "100/minute;1000/hour", strategy: moving-window }
  - key: user
    descriptors:
      - key: plan
        value: free
        quota_mode: true
        rate_limit: { unit: hour, requests_per_unit: 10, replaces: [ { name: any_user } ] }
      - key: plan
        value: trial
        shadow_mode: true
        rate_limit: { unit: day, requests_per_unit: 3 }
      - key: plan
        value: blocked
        rate_limit: { unit: second, requests_per_unit: 0 }
      - key: plan
        value: unlimited
        rate_limit: { unlimited: true }
  - key: user
    value: "*"
    rate_limit: { name: any_user, rate: "20 per 10 seconds", strategy: sliding-window-counter }
  - key: ip
    rate_limit: { unit: week, requests_per_unit: 1000 }
)";

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

void Require(bool condition, const limitsd::config::Diagnostics& errors) {
  if (!condition || !errors.empty()) {
    throw std::runtime_error("envoy_rls_fuzz set-up: " +
                             limitsd::config::FormatDiagnostics(errors));
  }
}

// A daemon's I/O thread in miniature: one generation over memory://, its Decider and an
// RlsHandler.
class Service {
 public:
  explicit Service(const std::string& yaml) {
    limitsd::config::ConfigLoader::Result loaded =
        limitsd::config::ConfigLoader().LoadString(yaml, "fuzz.yaml");
    Require(loaded.ok(), loaded.errors);
    limitsd::config::Diagnostics errors;
    std::optional<limitsd::server::ValidatedConfig> validated =
        limitsd::server::ConfigValidator::Validate(*loaded.config, errors);
    Require(validated.has_value(), errors);
    limitsd::config::EnvoyRulesLoader::Result rules =
        limitsd::config::EnvoyRulesLoader().LoadString(kRules, "rules.yaml");
    Require(rules.rules != nullptr, rules.errors);
    validated->envoy = limitsd::server::EnvoyLimits::Build(rules.rules, validated->default_strategy,
                                                           validated->capabilities, errors);
    Require(validated->envoy != nullptr, errors);
    auto backend = limitsd::server::Backend::Open(*loaded.config, validated->uri, {});
    auto generation = limitsd::server::Generation::Make(*loaded.config, *validated, backend, 1);
    table_ = std::make_unique<limitsd::server::LimitTable>(
        generation->limits, generation->default_strategy, generation->allow_inline,
        [](limitsd::limits::StrategyKind) { return true; });
    decider_ = std::make_unique<limitsd::server::Decider>(generation, *table_, metrics_);
    handler_ = std::make_unique<RlsHandler>(*decider_, limitsd::server::Protocol::kGrpc);
  }

  RlsStatus Handle(const RlsHandler::Request& request, RlsHandler::Response& response) {
    auto future =
        boost::asio::co_spawn(io_, handler_->Handle(request, response), boost::asio::use_future);
    io_.restart();
    io_.run();
    return future.get();
  }

 private:
  boost::asio::io_context io_;
  limitsd::server::ThreadMetrics metrics_;
  std::unique_ptr<limitsd::server::LimitTable> table_;
  std::unique_ptr<limitsd::server::Decider> decider_;
  std::unique_ptr<RlsHandler> handler_;
};

void Run(Service& service, const RlsHandler::Request& request) {
  namespace rls = envoy::service::ratelimit::v3;
  RlsHandler::Response response;
  const RlsStatus status = service.Handle(request, response);
  Check(status.code != RlsStatus::Code::kUnavailable);
  if (status.code != RlsStatus::Code::kOk) {
    Check(!status.message.empty());
    Check(status.code != RlsStatus::Code::kResourceExhausted ||
          status.message.rfind("storage_full", 0) == 0);
    return;
  }
  Check(response.statuses_size() == request.descriptors_size());
  bool any_over = false;
  for (const auto& descriptor : response.statuses()) {
    if (descriptor.code() == rls::RateLimitResponse::OVER_LIMIT) {
      any_over = true;
      Check(descriptor.has_current_limit());
    }
    if (request.domain() != "web") {
      Check(descriptor.code() == rls::RateLimitResponse::OK && !descriptor.has_current_limit());
    }
  }
  if (response.overall_code() == rls::RateLimitResponse::OVER_LIMIT) Check(any_over);
  if (request.domain() != "web") Check(response.overall_code() == rls::RateLimitResponse::OK);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Service* evicting = new Service(
      "storage: { uri: \"memory://\", options: { max_keys: 65536, when_full: evict } }\n");
  static Service* refusing =
      new Service("storage: { uri: \"memory://\", options: { max_keys: 64, when_full: deny } }\n");
  RlsHandler::Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  Run(*evicting, request);
  Run(*refusing, request);
  return 0;
}
