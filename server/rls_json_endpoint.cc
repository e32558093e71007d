#include "server/rls_json_endpoint.h"

#include <google/protobuf/util/json_util.h>

#include <memory>
#include <string>

#include "server/authenticator.h"
#include "server/rls_handler.h"
#include "server/worker.h"

namespace limitsd::server {
namespace {

namespace http = boost::beast::http;
using protocol::HttpReply;

storage::Task<HttpReply> HandleJson(std::string_view body, Role role, Worker& worker) {
  RlsHandler::Request request;
  google::protobuf::util::JsonParseOptions parse;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), &request, parse);
  if (!parsed.ok()) {
    worker.counters().Rejected(Protocol::kHttp, protocol::ErrorCode::kSyntax);
    co_return protocol::ProblemReply(
        400, "syntax",
        "the body is not a RateLimitRequest in proto3 JSON: " + std::string(parsed.message()));
  }
  Authenticator& authenticator = worker.authenticator();
  if (role != Role::kAdmin && authenticator.AdminRequired() && RlsHandler::StatesALimit(request)) {
    worker.counters().Rejected(Protocol::kHttp, protocol::ErrorCode::kNoPerm);
    authenticator.Refuse(static_cast<std::size_t>(Protocol::kHttp), AuthFailure::kNoPerm);
    co_return protocol::ProblemReply(
        403, "noperm",
        RlsHandler::NoPermission("send Authorization: Bearer <server.admin_password>").message);
  }
  RlsHandler::Response response;
  RlsHandler handler(worker.decider(), Protocol::kHttp);
  const RlsStatus status = co_await handler.Handle(request, response);
  if (status.code == RlsStatus::Code::kInvalidArgument) {
    worker.counters().Rejected(Protocol::kHttp, protocol::ErrorCode::kSyntax);
    co_return protocol::ProblemReply(400, "invalid_argument", status.message);
  }
  if (status.code == RlsStatus::Code::kUnavailable) {
    co_return protocol::ProblemReply(503, "storage", status.message);
  }
  if (status.code == RlsStatus::Code::kResourceExhausted) {
    co_return protocol::ProblemReply(507, "storage_full", status.message);
  }
  HttpReply reply;
  google::protobuf::util::JsonPrintOptions print;
  (void)google::protobuf::util::MessageToJsonString(response, &reply.body, print);
  reply.status = response.overall_code() == RlsHandler::Response::OVER_LIMIT ? 429 : 200;
  co_return reply;
}

}  // namespace

void RlsJsonEndpoint::Register(HttpRouter& router) {
  router.Add(http::verb::post, "/json",
             [](const HttpRequest& request, Worker& worker) -> storage::Pending<HttpReply> {
               return HandleJson(request.body, request.role, worker);
             });
}

}  // namespace limitsd::server
