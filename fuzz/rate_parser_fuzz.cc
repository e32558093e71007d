// libFuzzer target: rate strings (ParseRates) and inline limit tokens (ParseInlineLimit)
// over arbitrary bytes. Checks, besides the sanitizers: every accepted rate is inside
// limitsd's bounds and reads back as itself from what it prints, every refusal says why,
// and an accepted limit writes each storage key in exactly the size it announces.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "limits/limit.h"
#include "limits/rate_parser.h"

namespace {

using limitsd::limits::RateLimitItem;

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

void CheckRate(const RateLimitItem& rate) {
  Check(rate.amount() >= 1 && rate.amount() <= limitsd::limits::kMaxAmount);
  Check(rate.ExpirySeconds() >= 1 && rate.ExpirySeconds() <= limitsd::limits::kMaxWindowSeconds);
  const limitsd::limits::RateParseResult again = limitsd::limits::ParseRates(rate.ToString());
  Check(again.ok() && again.items.size() == 1 && again.items[0] == rate);
}

void CheckLimit(const limitsd::limits::Limit& limit, std::string_view key) {
  Check(!limit.rates().empty());
  std::string out;
  for (std::size_t i = 0; i < limit.rates().size(); ++i) {
    CheckRate(limit.rates()[i]);
    out.assign(limit.StorageKeySize(key, i), '\0');
    Check(limit.WriteStorageKey(key, i, out.data()) == out.data() + out.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const limitsd::limits::RateParseResult parsed = limitsd::limits::ParseRates(text);
  if (parsed.ok()) {
    Check(!parsed.items.empty());
    for (const RateLimitItem& rate : parsed.items) CheckRate(rate);
  } else {
    Check(parsed.items.empty() || !parsed.error.empty());
  }
  const limitsd::limits::InlineLimitResult limit =
      limitsd::limits::ParseInlineLimit(text, limitsd::limits::StrategyKind::kFixedWindow);
  Check(limit.limit.has_value() != !limit.error.empty());
  if (limit.limit) CheckLimit(*limit.limit, text);
  return 0;
}
