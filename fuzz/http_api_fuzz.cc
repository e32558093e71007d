// libFuzzer target: the HTTP API's request bodies (ParseApiRequest, ParseBatch) over
// arbitrary bytes. The first input byte picks the endpoint. Checks, besides the sanitizers:
// an accepted request holds what the line protocol would accept (a non-empty limit, a valid
// key, a cost from 1 to 1e9), every refusal says why, and every reply body written for it
// is valid JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>

#include "protocol/http_api.h"
#include "protocol/request_builder.h"

namespace {

using limitsd::protocol::ApiError;
using limitsd::protocol::ApiRequest;
using limitsd::protocol::Verb;

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

void CheckJson(const std::string& body) {
  boost::system::error_code ec;
  (void)boost::json::parse(body, ec);
  Check(!ec);
}

void CheckAccepted(const ApiRequest& request) {
  Check(!request.limit.empty());
  Check(limitsd::protocol::RequestBuilder::IsValidKey(request.key));
  Check(request.cost >= 1 && request.cost <= limitsd::protocol::kMaxCost);
}

void CheckRefused(const ApiError& error) {
  Check(!error.message.empty());
  CheckJson(limitsd::protocol::ErrorReply(error).body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr Verb kVerbs[] = {Verb::kHit, Verb::kTest, Verb::kStats, Verb::kReset};
  if (data[0] % 5 == 4) {
    std::vector<limitsd::protocol::BatchItem> items;
    if (auto error = limitsd::protocol::ParseBatch(body, items)) {
      CheckRefused(*error);
      return 0;
    }
    limitsd::protocol::BatchReplyWriter writer;
    for (const auto& item : items) {
      if (item.error) {
        CheckRefused(*item.error);
        writer.Error(*item.error);
      } else {
        CheckAccepted(item.request);
        writer.Reset();
      }
    }
    CheckJson(writer.Finish().body);
    return 0;
  }
  ApiRequest request;
  if (auto error = limitsd::protocol::ParseApiRequest(kVerbs[data[0] % 5 % 4], body, request)) {
    CheckRefused(*error);
  } else {
    CheckAccepted(request);
  }
  return 0;
}
