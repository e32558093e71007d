#include "protocol/http_api.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace limitsd::protocol {
namespace {

namespace json = boost::json;

std::string Header(const HttpReply& reply, std::string_view name) {
  for (const auto& [key, value] : reply.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

// --- Rounding -------------------------------------------------------------------------

TEST(HttpApiRounding, CeilSecondsRoundsUpSoClientsNeverComeBackEarly) {
  EXPECT_EQ(CeilSeconds(0), 0);
  EXPECT_EQ(CeilSeconds(-1), 0);
  EXPECT_EQ(CeilSeconds(1), 1);
  EXPECT_EQ(CeilSeconds(999), 1);
  EXPECT_EQ(CeilSeconds(1000), 1);
  EXPECT_EQ(CeilSeconds(1001), 2);
  EXPECT_EQ(CeilSeconds(59'891), 60);
}

TEST(HttpApiRounding, WindowsAreWholeSecondsAndNeverZero) {
  EXPECT_EQ(WindowSeconds(0), 1);
  EXPECT_EQ(WindowSeconds(1), 1);
  EXPECT_EQ(WindowSeconds(250), 1);
  EXPECT_EQ(WindowSeconds(1000), 1);
  EXPECT_EQ(WindowSeconds(1500), 2);
  EXPECT_EQ(WindowSeconds(3'600'000), 3600);
}

// --- Header fields --------------------------------------------------------------------

const std::vector<RatePolicy> kTwoRates = {{"api:100/minute", 100, 60'000},
                                           {"api:2000/hour", 2000, 3'600'000}};

TEST(HttpApiHeaders, PolicyFieldHasOneItemPerRate) {
  EXPECT_EQ(RateLimitPolicyField(kTwoRates),
            "\"api:100/minute\";q=100;w=60, \"api:2000/hour\";q=2000;w=3600");
}

TEST(HttpApiHeaders, SubSecondWindowIsOneSecond) {
  const std::vector<RatePolicy> fast = {{"fast", 5, 200}};
  EXPECT_EQ(RateLimitPolicyField(fast), "\"fast\";q=5;w=1");
}

TEST(HttpApiHeaders, RateLimitNamesTheBindingRate) {
  const ApiDecision d{true, 2000, 17, 1'234'001, 0, 1, kTwoRates};
  EXPECT_EQ(RateLimitField(d), "\"api:2000/hour\";r=17;t=1235");
}

TEST(HttpApiHeaders, OnADenialTIsTheRetryTime) {
  const ApiDecision d{false, 100, 0, 59'000, 20'500, 0, kTwoRates};
  EXPECT_EQ(RateLimitField(d), "\"api:100/minute\";r=0;t=21");
}

TEST(HttpApiHeaders, NothingCountedIsTZero) {
  const ApiDecision d{true, 100, 100, 0, 0, 0, kTwoRates};
  EXPECT_EQ(RateLimitField(d), "\"api:100/minute\";r=100;t=0");
}

// --- Decisions ------------------------------------------------------------------------

TEST(HttpApiDecision, AllowedIs200WithTheDecisionAndBothFields) {
  const std::vector<RatePolicy> one = {{"3/minute", 3, 60'000}};
  const HttpReply reply = DecisionReply({true, 3, 2, 60'000, 0, 0, one});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, kJsonType);
  EXPECT_EQ(Header(reply, "RateLimit-Policy"), "\"3/minute\";q=3;w=60");
  EXPECT_EQ(Header(reply, "RateLimit"), "\"3/minute\";r=2;t=60");
  EXPECT_EQ(Header(reply, "Retry-After"), "<absent>");
  EXPECT_EQ(json::parse(reply.body),
            json::parse(R"({"allowed":true,"limit":3,"remaining":2,"reset_ms":60000,)"
                        R"("retry_ms":0,"policy":"3/minute"})"));
}

TEST(HttpApiDecision, DeniedIs429ProblemWithRetryAfterRoundedUp) {
  const std::vector<RatePolicy> one = {{"3/minute", 3, 60'000}};
  const HttpReply reply = DecisionReply({false, 3, 0, 59'001, 59'001, 0, one});
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.content_type, kProblemType);
  EXPECT_EQ(Header(reply, "Retry-After"), "60");
  EXPECT_EQ(Header(reply, "RateLimit"), "\"3/minute\";r=0;t=60");
  const json::value body = json::parse(reply.body);
  EXPECT_EQ(body.at("type").as_string(), kQuotaExceeded);
  EXPECT_EQ(body.at("status"), 429);
  EXPECT_EQ(body.at("violated-policies"), json::parse(R"(["3/minute"])"));
  EXPECT_EQ(body.at("allowed"), false);
  EXPECT_EQ(body.at("retry_ms"), 59'001);
}

TEST(HttpApiDecision, RetryAfterIsNeverEarlierThanT) {
  const ApiDecision d{false, 100, 0, 50'000, 1, 0, kTwoRates};
  const HttpReply reply = DecisionReply(d);
  EXPECT_EQ(Header(reply, "Retry-After"), "1");
  EXPECT_EQ(Header(reply, "RateLimit"), "\"api:100/minute\";r=0;t=1");
}

TEST(HttpApiDecision, ACostThatCanNeverPassIs429WithoutRetryAfter) {
  const std::vector<RatePolicy> one = {{"3/minute", 3, 60'000}};
  const HttpReply reply = DecisionReply({false, 3, 3, 0, -1, 0, one});
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(Header(reply, "Retry-After"), "<absent>");
  EXPECT_EQ(Header(reply, "RateLimit"), "\"3/minute\";r=3;t=0");
  const json::value body = json::parse(reply.body);
  EXPECT_NE(body.at("detail").as_string().find("can never pass"), json::string::npos);
}

TEST(HttpApiDecision, ResetIs200) {
  const HttpReply reply = ResetReply();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body), json::parse(R"({"reset":true})"));
}

// --- Errors ---------------------------------------------------------------------------

TEST(HttpApiErrors, EachCodeHasOneStatus) {
  EXPECT_EQ(HttpStatusOf(ErrorCode::kSyntax), 400);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kBadRate), 400);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kBadKey), 400);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kBadCost), 400);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kUnknownLimit), 404);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kUnknownCommand), 404);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kForbidden), 403);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kUnsupported), 422);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kStorage), 503);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kOverloaded), 503);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kTooLong), 413);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kStorageFull), 507);
}

TEST(HttpApiErrors, ProblemBodyCarriesTheLineProtocolsCodeAndMessage) {
  const HttpReply reply = ErrorReply({ErrorCode::kUnknownLimit, "unknown limit 'x'"});
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.content_type, kProblemType);
  EXPECT_EQ(json::parse(reply.body),
            json::parse(R"({"type":"about:blank","title":"Not Found","status":404,)"
                        R"("code":"unknown_limit","detail":"unknown limit 'x'"})"));
  EXPECT_EQ(Header(reply, "Retry-After"), "<absent>");
}

TEST(HttpApiErrors, OverloadedSaysWhenToRetry) {
  const HttpReply reply = ErrorReply({ErrorCode::kOverloaded, "busy"});
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(Header(reply, "Retry-After"), "1");
}

// --- Request bodies -------------------------------------------------------------------

struct BodyCase {
  Verb verb;
  std::string_view body;
  ErrorCode code;
  std::string_view message;  ///< a part of the message
};

void PrintTo(const BodyCase& c, std::ostream* out) { *out << c.body; }

class HttpApiBadBody : public ::testing::TestWithParam<BodyCase> {};

TEST_P(HttpApiBadBody, IsRefusedWithItsCodeAndWhy) {
  const BodyCase& c = GetParam();
  ApiRequest request;
  const std::optional<ApiError> error = ParseApiRequest(c.verb, c.body, request);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, c.code) << error->message;
  EXPECT_NE(error->message.find(c.message), std::string::npos) << error->message;
}

const BodyCase kBadBodies[] = {
    {Verb::kHit, "", ErrorCode::kSyntax, "the body is empty"},
    {Verb::kHit, "{\"limit\": \"a\", }", ErrorCode::kSyntax, "malformed JSON at line 1, column 16 (byte 15)"},
    {Verb::kHit, "{\n  \"limit\": \"a\"\n  \"key\": 1}", ErrorCode::kSyntax, "at line 3, column 3 (byte 19)"},
    {Verb::kHit, "{\"limit\": \"a\", \"key\": \"k\"} x", ErrorCode::kSyntax, "malformed JSON at line 1, column 28"},
    {Verb::kHit, "[1]", ErrorCode::kSyntax, "a request is a JSON object"},
    {Verb::kHit, R"({"key": "k"})", ErrorCode::kSyntax, "\"limit\" must be a non-empty string"},
    {Verb::kHit, R"({"limit": 5, "key": "k"})", ErrorCode::kSyntax, "\"limit\" must be a non-empty string"},
    {Verb::kHit, R"({"limit": "a"})", ErrorCode::kSyntax, "has no \"key\""},
    {Verb::kHit, R"({"limit": "a", "key": 42})", ErrorCode::kSyntax, "\"key\" must be a string, got 42"},
    {Verb::kHit, R"({"limit": "a", "key": "a b"})", ErrorCode::kBadKey, "got 3 bytes"},
    {Verb::kHit, R"({"limit": "a", "key": ""})", ErrorCode::kBadKey, "1 to 256 bytes"},
    {Verb::kHit, R"({"limit": "a", "key": "k", "cost": 0})", ErrorCode::kBadCost, "got '0'"},
    {Verb::kHit, R"({"limit": "a", "key": "k", "cost": 1000000001})", ErrorCode::kBadCost, "from 1 to 1000000000"},
    {Verb::kHit, R"({"limit": "a", "key": "k", "cost": 1.5})", ErrorCode::kBadCost, "got '1.5E0'"},
    {Verb::kHit, R"({"limit": "a", "key": "k", "cost": "2"})", ErrorCode::kBadCost, "got '\"2\"'"},
    {Verb::kHit, R"({"limit": "a", "key": "k", "cost": 18446744073709551615})", ErrorCode::kBadCost, "got"},
    {Verb::kHit, R"({"limit": "a", "key": "k", "cots": 2})", ErrorCode::kSyntax, "unknown member \"cots\""},
    {Verb::kStats, R"({"limit": "a", "key": "k", "cost": 2})", ErrorCode::kSyntax, "stats takes no \"cost\""},
    {Verb::kReset, R"({"limit": "a", "key": "k", "cost": 2})", ErrorCode::kSyntax, "reset takes no \"cost\""},
    {Verb::kHit, R"({"verb": "hit", "limit": "a", "key": "k"})", ErrorCode::kSyntax, "unknown member \"verb\""},
};

INSTANTIATE_TEST_SUITE_P(Table, HttpApiBadBody, ::testing::ValuesIn(kBadBodies));

// The fuzzer's case: a quoted member name cut at 40 bytes inside a two-byte character made
// the problem body invalid UTF-8, which no JSON parser accepts.
TEST(HttpApiErrors, AQuoteCutShortIsStillValidJson) {
  // "\u0589" is two bytes in UTF-8: here they are bytes 40 and 41 of what is quoted (a
  // member name, then a value echoed as JSON text, which starts with {").
  const std::string member = std::string(39, 'n') + "\u0589" + "tail";
  const std::string value = std::string(37, 'v') + "\u0589" + "tail";
  for (const std::string& body : {"{\"limit\": \"a\", \"" + member + "\": 1}",
                                  "{\"limit\": \"a\", \"key\": {\"" + value + "\": 1}}"}) {
    ApiRequest request;
    const std::optional<ApiError> error = ParseApiRequest(Verb::kHit, body, request);
    ASSERT_TRUE(error) << body;
    boost::system::error_code ec;
    boost::json::parse(ErrorReply(*error).body, ec);
    EXPECT_FALSE(ec) << error->message;
  }
}

TEST(HttpApiRequest, ReadsLimitKeyAndCost) {
  ApiRequest request;
  ASSERT_FALSE(ParseApiRequest(Verb::kTest, R"({"limit":"api","key":"user42","cost":7})", request));
  EXPECT_EQ(request.verb, Verb::kTest);
  EXPECT_EQ(request.limit, "api");
  EXPECT_EQ(request.key, "user42");
  EXPECT_EQ(request.cost, 7);
}

TEST(HttpApiRequest, CostDefaultsToOne) {
  ApiRequest request;
  ASSERT_FALSE(ParseApiRequest(Verb::kHit, R"({"limit":"10/second;100/minute","key":"u"})", request));
  EXPECT_EQ(request.limit, "10/second;100/minute");
  EXPECT_EQ(request.cost, 1);
}

TEST(HttpApiBatch, ElementsAreReadInOrderAndBadOnesKeepTheirPlace) {
  std::vector<BatchItem> items;
  ASSERT_FALSE(ParseBatch(R"([{"verb":"hit","limit":"a","key":"k","cost":2},
                              {"verb":"jump","limit":"a","key":"k"},
                              {"verb":"stats","limit":"b","key":"k"},
                              {"verb":"reset","limit":"b","key":"k"}])",
                          items));
  ASSERT_EQ(items.size(), 4u);
  EXPECT_FALSE(items[0].error);
  EXPECT_EQ(items[0].request.verb, Verb::kHit);
  EXPECT_EQ(items[0].request.cost, 2);
  ASSERT_TRUE(items[1].error);
  EXPECT_EQ(items[1].error->code, ErrorCode::kSyntax);
  EXPECT_EQ(items[2].request.verb, Verb::kStats);
  EXPECT_EQ(items[3].request.verb, Verb::kReset);
}

TEST(HttpApiBatch, TheBodyMustBeABoundedArray) {
  std::vector<BatchItem> items;
  EXPECT_TRUE(ParseBatch(R"({"verb":"hit"})", items));
  EXPECT_TRUE(ParseBatch("[", items));
  std::string big = "[";
  for (std::size_t i = 0; i <= kMaxBatchRequests; ++i) big += i == 0 ? "{}" : ",{}";
  big += "]";
  const std::optional<ApiError> error = ParseBatch(big, items);
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("at most 1000"), std::string::npos);
}

TEST(HttpApiBatch, RepliesCarryEachStatus) {
  const std::vector<RatePolicy> one = {{"3/minute", 3, 60'000}};
  BatchReplyWriter writer;
  writer.Decision({true, 3, 2, 60'000, 0, 0, one});
  writer.Decision({false, 3, 0, 60'000, 60'000, 0, one});
  writer.Reset();
  writer.Error({ErrorCode::kUnknownLimit, "unknown limit 'x'"});
  const HttpReply reply = writer.Finish();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body), json::parse(R"({"results":[
      {"status":200,"allowed":true,"limit":3,"remaining":2,"reset_ms":60000,"retry_ms":0,"policy":"3/minute"},
      {"status":429,"allowed":false,"limit":3,"remaining":0,"reset_ms":60000,"retry_ms":60000,"policy":"3/minute"},
      {"status":200,"reset":true},
      {"status":404,"code":"unknown_limit","detail":"unknown limit 'x'"}]})"));
}

}  // namespace
}  // namespace limitsd::protocol
