#include "protocol/http_api.h"

#include <algorithm>
#include <array>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "protocol/request_builder.h"
#include "protocol/structured_fields.h"
#include "protocol/utf8_prefix.h"

namespace limitsd::protocol {
namespace {

namespace json = boost::json;

constexpr std::string_view kQuotaTitle =
    "Request cannot be satisfied as assigned quota has been exceeded";
constexpr std::size_t kMaxEchoBytes = 40;

std::string_view VerbWord(Verb verb) noexcept {
  switch (verb) {
    case Verb::kHit: return "hit";
    case Verb::kTest: return "test";
    case Verb::kStats: return "stats";
    case Verb::kReset: return "reset";
    default: return "?";
  }
}

std::optional<Verb> VerbFromWord(std::string_view word) noexcept {
  for (Verb verb : {Verb::kHit, Verb::kTest, Verb::kStats, Verb::kReset}) {
    if (VerbWord(verb) == word) return verb;
  }
  return std::nullopt;
}

ApiError Syntax(std::string message) { return {ErrorCode::kSyntax, std::move(message)}; }

// A JSON value as the client wrote it, cut short, for messages.
std::string Echo(const json::value& value) {
  std::string text = json::serialize(value);
  if (text.size() > kMaxEchoBytes) text = std::string(Utf8Prefix(text, kMaxEchoBytes)) + "...";
  return text;
}

// Parses one complete JSON text; a syntax error names its line, column and byte offset.
std::optional<ApiError> ParseJson(std::string_view body, json::value& out,
                                  json::storage_ptr storage) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Syntax("the body is empty: send a JSON object such as "
                  "{\"limit\": \"10/second\", \"key\": \"user42\"}");
  }
  json::parser parser(storage);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write(body.data(), body.size(), ec);
  if (!ec) {
    out = parser.release();
    return std::nullopt;
  }
  const std::size_t at = std::min(consumed, body.size());
  const std::string_view before = body.substr(0, at);
  const std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t line_start = before.rfind('\n');
  const std::size_t column = at - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return Syntax("malformed JSON at line " + std::to_string(line) + ", column " +
                std::to_string(column) + " (byte " + std::to_string(at) + "): " + ec.message());
}

std::optional<ApiError> ReadCost(const json::value& value, ApiRequest& out) {
  std::optional<std::int64_t> cost;
  if (value.is_int64()) cost = value.get_int64();
  if (value.is_uint64() && value.get_uint64() <= static_cast<std::uint64_t>(kMaxCost)) {
    cost = static_cast<std::int64_t>(value.get_uint64());
  }
  if (!cost || *cost < 1 || *cost > kMaxCost) {
    return ApiError{ErrorCode::kBadCost,
                    "cost must be an integer from 1 to 1000000000, got '" + Echo(value) + "'"};
  }
  out.cost = *cost;
  return std::nullopt;
}

std::optional<ApiError> ReadKey(const json::value& value, ApiRequest& out) {
  if (!value.is_string()) return Syntax("\"key\" must be a string, got " + Echo(value));
  out.key = value.get_string();
  if (!RequestBuilder::IsValidKey(out.key)) {
    return ApiError{ErrorCode::kBadKey,
                    "key must be 1 to 256 bytes without spaces or control characters, got " +
                        std::to_string(out.key.size()) + " bytes"};
  }
  return std::nullopt;
}

// One request object. `batch`: the object names its verb ("verb"), else `verb` applies.
std::optional<ApiError> ReadRequest(const json::value& value, bool batch, Verb verb,
                                    ApiRequest& out) {
  if (!value.is_object()) {
    return Syntax("a request is a JSON object such as {\"limit\": \"10/second\", \"key\": "
                  "\"user42\"}, got " + Echo(value));
  }
  const json::object& object = value.get_object();
  for (const auto& member : object) {
    const std::string_view name = member.key();
    if (name == "limit" || name == "key" || name == "cost" || (batch && name == "verb")) continue;
    return Syntax("unknown member \"" + std::string(Utf8Prefix(name, kMaxEchoBytes)) +
                  "\": a request has " + (batch ? "\"verb\", " : "") +
                  "\"limit\", \"key\" and (hit, test) \"cost\"");
  }
  out = ApiRequest{};
  out.verb = verb;
  if (batch) {
    const json::value* word = object.if_contains("verb");
    const json::string* text = word != nullptr ? word->if_string() : nullptr;
    const std::optional<Verb> parsed = text != nullptr ? VerbFromWord(*text) : std::nullopt;
    if (!parsed) return Syntax("each request of a batch needs \"verb\": \"hit\", \"test\", "
                               "\"stats\" or \"reset\"");
    out.verb = *parsed;
  }
  const json::value* limit = object.if_contains("limit");
  if (limit == nullptr || !limit->is_string() || limit->get_string().empty()) {
    return Syntax("\"limit\" must be a non-empty string: a configured name such as \"api\" or "
                  "an inline limit such as \"10/second\"");
  }
  out.limit = limit->get_string();
  const json::value* key = object.if_contains("key");
  if (key == nullptr) return Syntax("the request has no \"key\": add e.g. \"key\": \"user42\"");
  if (std::optional<ApiError> error = ReadKey(*key, out)) return error;
  if (const json::value* cost = object.if_contains("cost")) {
    if (out.verb == Verb::kStats || out.verb == Verb::kReset) {
      return Syntax(std::string(VerbWord(out.verb)) + " takes no \"cost\"");
    }
    return ReadCost(*cost, out);
  }
  return std::nullopt;
}

std::string_view PolicyName(const ApiDecision& d) noexcept {
  return d.binding < d.policies.size() ? std::string_view(d.policies[d.binding].name)
                                       : std::string_view();
}

// The time `t` and Retry-After speak of: reset, or on a denial that can pass later, retry.
std::int64_t EffectiveSeconds(const ApiDecision& d) noexcept {
  return !d.allowed && d.retry_ms > 0 ? CeilSeconds(d.retry_ms) : CeilSeconds(d.reset_ms);
}

void PutDecision(const ApiDecision& d, json::object& object) {
  object["allowed"] = d.allowed;
  object["limit"] = d.limit;
  object["remaining"] = d.remaining;
  object["reset_ms"] = d.reset_ms;
  object["retry_ms"] = d.retry_ms;
  object["policy"] = PolicyName(d);
  if (d.shadowed) object["shadowed"] = true;
}

std::string DenialDetail(const ApiDecision& d) {
  const std::string name(PolicyName(d));
  if (d.retry_ms < 0) {
    return "the cost is larger than the quota of policy \"" + name + "\" (" +
           std::to_string(d.limit) + "): this request can never pass";
  }
  return "policy \"" + name + "\" allows " + std::to_string(d.limit) + " per window; retry in " +
         std::to_string(EffectiveSeconds(d)) + " s";
}

void PutProblem(json::object& object, int status, std::string_view code,
                std::string_view detail) {
  object["type"] = "about:blank";
  object["title"] = ReasonOf(status);
  object["status"] = status;
  object["code"] = code;
  object["detail"] = detail;
}

}  // namespace

std::optional<ApiError> ParseApiRequest(Verb verb, std::string_view body, ApiRequest& out) {
  std::array<unsigned char, 1024> buffer;
  json::monotonic_resource memory(buffer.data(), buffer.size());
  json::value value;
  if (std::optional<ApiError> error = ParseJson(body, value, &memory)) return error;
  return ReadRequest(value, false, verb, out);
}

std::optional<ApiError> ParseBatch(std::string_view body, std::vector<BatchItem>& out) {
  json::monotonic_resource memory;
  json::value value;
  if (std::optional<ApiError> error = ParseJson(body, value, &memory)) return error;
  if (!value.is_array()) {
    return Syntax("a batch is a JSON array of requests such as [{\"verb\": \"hit\", \"limit\": "
                  "\"10/second\", \"key\": \"user42\"}], got " + Echo(value));
  }
  const json::array& requests = value.get_array();
  if (requests.size() > kMaxBatchRequests) {
    return Syntax("a batch holds at most " + std::to_string(kMaxBatchRequests) +
                  " requests, got " + std::to_string(requests.size()) + ": split it");
  }
  out.clear();
  out.reserve(requests.size());
  for (const json::value& element : requests) {
    BatchItem item;
    item.error = ReadRequest(element, true, Verb::kHit, item.request);
    out.push_back(std::move(item));
  }
  return std::nullopt;
}

HttpReply DecisionReply(const ApiDecision& d) {
  HttpReply reply;
  reply.headers.reserve(3);
  reply.headers.emplace_back("RateLimit-Policy", RateLimitPolicyField(d.policies));
  reply.headers.emplace_back("RateLimit", RateLimitField(d));
  std::array<unsigned char, 1024> buffer;
  json::monotonic_resource memory(buffer.data(), buffer.size());
  json::object object(&memory);
  if (d.allowed) {
    PutDecision(d, object);
    reply.body = json::serialize(object);
    return reply;
  }
  reply.status = 429;
  reply.content_type = kProblemType;
  if (d.retry_ms > 0) reply.headers.emplace_back("Retry-After", std::to_string(EffectiveSeconds(d)));
  object["type"] = kQuotaExceeded;
  object["title"] = kQuotaTitle;
  object["status"] = 429;
  object["detail"] = DenialDetail(d);
  object["violated-policies"] = json::array({json::string(PolicyName(d))});
  PutDecision(d, object);
  reply.body = json::serialize(object);
  return reply;
}

HttpReply ResetReply() {
  HttpReply reply;
  reply.body = json::serialize(json::object{{"reset", true}});
  return reply;
}

HttpReply ErrorReply(const ApiError& error) {
  HttpReply reply = ProblemReply(HttpStatusOf(error.code), ErrorCodeName(error.code), error.message);
  if (error.code == ErrorCode::kOverloaded) reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

HttpReply ProblemReply(int status, std::string_view code, std::string_view detail) {
  HttpReply reply;
  reply.status = status;
  reply.content_type = kProblemType;
  json::object object;
  PutProblem(object, status, code, detail);
  reply.body = json::serialize(object);
  return reply;
}

void BatchReplyWriter::Decision(const ApiDecision& d) {
  json::object object;
  object["status"] = d.allowed ? 200 : 429;
  PutDecision(d, object);
  results_.push_back(std::move(object));
}

void BatchReplyWriter::Reset() { results_.push_back(json::object{{"status", 200}, {"reset", true}}); }

void BatchReplyWriter::Error(const ApiError& error) {
  json::object object;
  object["status"] = HttpStatusOf(error.code);
  object["code"] = ErrorCodeName(error.code);
  object["detail"] = error.message;
  results_.push_back(std::move(object));
}

HttpReply BatchReplyWriter::Finish() {
  HttpReply reply;
  reply.body = json::serialize(json::object{{"results", std::move(results_)}});
  results_ = json::array();
  return reply;
}

int HttpStatusOf(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kSyntax:
    case ErrorCode::kBadRate:
    case ErrorCode::kBadKey:
    case ErrorCode::kBadCost: return 400;
    case ErrorCode::kUnknownLimit:
    case ErrorCode::kUnknownCommand: return 404;
    case ErrorCode::kForbidden:
    case ErrorCode::kNoPerm:
      return 403;
    case ErrorCode::kUnsupported: return 422;
    case ErrorCode::kStorage:
    case ErrorCode::kOverloaded: return 503;
    case ErrorCode::kTooLong: return 413;
    case ErrorCode::kStorageFull: return 507;
    case ErrorCode::kNoAuth:
    case ErrorCode::kWrongPass:
      return 401;
  }
  return 500;
}

std::string_view ReasonOf(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Error";
  }
}

std::int64_t CeilSeconds(std::int64_t ms) noexcept { return ms <= 0 ? 0 : (ms + 999) / 1000; }

std::int64_t WindowSeconds(std::int64_t window_ms) noexcept {
  return std::max<std::int64_t>(1, CeilSeconds(window_ms));
}

std::string RateLimitPolicyField(std::span<const RatePolicy> policies) {
  StructuredList list;
  for (const RatePolicy& policy : policies) {
    list.Item(policy.name).Param("q", policy.quota).Param("w", WindowSeconds(policy.window_ms));
  }
  return list.str();
}

std::string RateLimitField(const ApiDecision& d) {
  StructuredList list;
  list.Item(PolicyName(d))
      .Param("r", std::max<std::int64_t>(0, d.remaining))
      .Param("t", EffectiveSeconds(d));
  return list.str();
}

}  // namespace limitsd::protocol
