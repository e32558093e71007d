#include "server/http_api_endpoints.h"

#include <memory>

#include "server/worker.h"

namespace limitsd::server {
namespace {

namespace http = boost::beast::http;
using protocol::ApiDecision;
using protocol::ApiRequest;
using protocol::HttpReply;
using protocol::Verb;

// "100/minute", "5/10second".
std::string RateText(const limits::RateLimitItem& rate) {
  std::string text = std::to_string(rate.amount()) + "/";
  if (rate.multiples() != 1) text += std::to_string(rate.multiples());
  text += rate.granularity().name;
  return text;
}

constexpr std::string_view kSendAdminPassword =
    "send Authorization: Bearer <server.admin_password>";

storage::Task<HttpReply> AwaitReply(storage::Pending<Answer> pending,
                                    std::unique_ptr<ApiRequest> request) {
  const Answer answer = co_await std::move(pending).Wait();
  request.reset();  // the query's views pointed into it until now
  co_return HttpApiEndpoints::ReplyOf(answer);
}

// /v1/hit, /v1/test, /v1/stats, /v1/reset: one request.
storage::Pending<HttpReply> HandleOne(Verb verb, const HttpRequest& http_request,
                                      Worker& worker) {
  // On the heap: the query's views must not move while an answer is awaited.
  auto request = std::make_unique<ApiRequest>();
  if (std::optional<protocol::ApiError> error =
          protocol::ParseApiRequest(verb, http_request.body, *request)) {
    worker.counters().Rejected(Protocol::kHttp, error->code);
    return protocol::ErrorReply(*error);
  }
  if (!worker.authenticator().Permits(http_request.role, Protocol::kHttp, verb, request->limit)) {
    return protocol::ErrorReply(
        {protocol::ErrorCode::kNoPerm, Authenticator::NoPermission(verb, kSendAdminPassword)});
  }
  storage::Pending<Answer> pending =
      worker.decider().Decide(
          Query{verb, request->limit, request->key, request->cost, Protocol::kHttp});
  if (pending.ready()) return HttpApiEndpoints::ReplyOf(pending.value());
  return AwaitReply(std::move(pending), std::move(request));
}

void AddToBatch(const Answer& answer, protocol::BatchReplyWriter& writer) {
  switch (answer.kind) {
    case Answer::Kind::kDecision: {
      const std::vector<protocol::RatePolicy> policies = HttpApiEndpoints::PoliciesOf(*answer.limit);
      const limits::Decision& d = answer.decision;
      writer.Decision(ApiDecision{d.allowed, d.limit, d.remaining, d.reset_ms, d.retry_ms,
                                  d.binding, policies, answer.shadowed});
      return;
    }
    case Answer::Kind::kCleared: writer.Reset(); return;
    case Answer::Kind::kError: writer.Error({answer.error, answer.message}); return;
  }
}

// /v1/batch: the requests in order, each answered in its place. The body stays valid until
// the reply is ready (HttpRequest's contract).
storage::Task<HttpReply> HandleBatch(std::string_view body, Role role, Worker& worker) {
  std::vector<protocol::BatchItem> items;
  if (std::optional<protocol::ApiError> error = protocol::ParseBatch(body, items)) {
    worker.counters().Rejected(Protocol::kHttp, error->code);
    co_return protocol::ErrorReply(*error);
  }
  protocol::BatchReplyWriter writer;
  for (const protocol::BatchItem& item : items) {
    if (item.error) {
      worker.counters().Rejected(Protocol::kHttp, item.error->code);
      writer.Error(*item.error);
      continue;
    }
    const ApiRequest& request = item.request;
    if (!worker.authenticator().Permits(role, Protocol::kHttp, request.verb, request.limit)) {
      writer.Error({protocol::ErrorCode::kNoPerm,
                    Authenticator::NoPermission(request.verb, kSendAdminPassword)});
      continue;
    }
    storage::Pending<Answer> pending =
        worker.decider().Decide(
            Query{request.verb, request.limit, request.key, request.cost, Protocol::kHttp});
    if (pending.ready()) {
      AddToBatch(pending.value(), writer);
    } else {
      AddToBatch(co_await std::move(pending).Wait(), writer);
    }
  }
  co_return writer.Finish();
}

}  // namespace

void HttpApiEndpoints::Register(HttpRouter& router) {
  for (const auto& [path, verb] : {std::pair{"/v1/hit", Verb::kHit},
                                   std::pair{"/v1/test", Verb::kTest},
                                   std::pair{"/v1/stats", Verb::kStats},
                                   std::pair{"/v1/reset", Verb::kReset}}) {
    router.Add(http::verb::post, path,
               [verb = verb](const HttpRequest& request, Worker& worker) {
                 return HandleOne(verb, request, worker);
               });
  }
  router.Add(http::verb::post, "/v1/batch",
             [](const HttpRequest& request, Worker& worker) -> storage::Pending<HttpReply> {
               return HandleBatch(request.body, request.role, worker);
             });
}

HttpReply HttpApiEndpoints::ReplyOf(const Answer& answer) {
  switch (answer.kind) {
    case Answer::Kind::kDecision: {
      const std::vector<protocol::RatePolicy> policies = PoliciesOf(*answer.limit);
      const limits::Decision& d = answer.decision;
      return protocol::DecisionReply(ApiDecision{d.allowed, d.limit, d.remaining, d.reset_ms,
                                                 d.retry_ms, d.binding, policies,
                                                 answer.shadowed});
    }
    case Answer::Kind::kCleared: return protocol::ResetReply();
    case Answer::Kind::kError: return protocol::ErrorReply({answer.error, answer.message});
  }
  return protocol::ErrorReply({protocol::ErrorCode::kStorage, "no answer"});
}

std::vector<protocol::RatePolicy> HttpApiEndpoints::PoliciesOf(const limits::Limit& limit) {
  std::vector<protocol::RatePolicy> policies;
  const auto& rates = limit.rates();
  policies.reserve(rates.size());
  const bool named = limits::IsLimitName(limit.name());
  for (const limits::RateLimitItem& rate : rates) {
    std::string name = rates.size() == 1 ? limit.name()
                       : named           ? limit.name() + ":" + RateText(rate)
                                         : RateText(rate);
    policies.push_back({std::move(name), rate.amount(), rate.ExpirySeconds() * 1000});
  }
  return policies;
}

}  // namespace limitsd::server
