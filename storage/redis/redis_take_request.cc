#include "storage/redis/redis_take_request.h"

#include <algorithm>
#include <optional>

#include "storage/redis/redis_protocol.h"
#include "storage/storage_error.h"

namespace limitsd::storage::redis {
namespace {

std::string_view StrategyCode(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kFixedWindow: return "f";
    case StrategyKind::kMovingWindow: return "m";
    case StrategyKind::kSlidingWindowCounter: return "s";
    case StrategyKind::kGcra: return "g";
  }
  return "f";
}

// A fixed window is handed to PEXPIRE, in whole milliseconds; the others stay exact. GCRA
// needs its emission interval rather than its period.
std::string WindowArg(const RateQuery& rate) {
  if (rate.strategy == StrategyKind::kGcra) return std::to_string(rate.interval.count());
  const Micros expiry = rate.expiry;
  if (rate.strategy != StrategyKind::kFixedWindow) return std::to_string(expiry.count());
  return std::to_string(std::max<std::int64_t>(1, (expiry.count() + 999) / 1000));
}

std::optional<WindowState> StateOf(StrategyKind kind, const redisReply* const* v) {
  const auto a = ReplyInteger(*v[0]);
  const auto b = ReplyInteger(*v[1]);
  const auto c = ReplyInteger(*v[2]);
  if (!a || !b || !c) return std::nullopt;
  switch (kind) {
    case StrategyKind::kFixedWindow: return FixedWindowState{*a, Micros{*b}};
    case StrategyKind::kMovingWindow: return MovingWindowState{*a, Micros{*b}, Micros{*c}};
    case StrategyKind::kSlidingWindowCounter: return SlidingWindowState{*a, *b, Micros{*c}};
    case StrategyKind::kGcra: return GcraState{Micros{*a}};
  }
  return std::nullopt;
}

}  // namespace

TakeRequest EncodeTake(std::string_view key_prefix, std::span<const RateQuery> rates,
                       std::int64_t cost, TakeMode mode) {
  TakeRequest request;
  EncodeTakeInto(request, key_prefix, rates, cost, mode);
  return request;
}

void EncodeTakeInto(TakeRequest& request, std::string_view key_prefix,
                    std::span<const RateQuery> rates, std::int64_t cost, TakeMode mode) {
  request.keys.resize(rates.size());
  request.args.resize(3 + 3 * rates.size());
  request.kinds.clear();
  auto arg = request.args.begin();
  arg++->assign(mode == TakeMode::kHit ? "1" : "0");
  *arg++ = std::to_string(cost);
  *arg++ = std::to_string(rates.size());
  for (std::size_t i = 0; i < rates.size(); ++i) {
    const RateQuery& rate = rates[i];
    std::string& key = request.keys[i];
    key.clear();
    key.reserve(key_prefix.size() + 1 + rate.key.size());
    key.append(key_prefix).push_back(':');
    key.append(rate.key);
    arg++->assign(StrategyCode(rate.strategy));
    *arg++ = std::to_string(rate.limit);
    *arg++ = WindowArg(rate);
    request.kinds.push_back(rate.strategy);
  }
}

std::size_t TakeReplySize(std::span<const StrategyKind> kinds) noexcept {
  return 1 + 3 * kinds.size();
}

std::error_code DecodeTake(const redisReply* const* elements, std::span<const StrategyKind> kinds,
                           TakeOutcome& outcome) {
  outcome.taken = elements[0]->type == REDIS_REPLY_INTEGER && elements[0]->integer == 1;
  outcome.states.clear();
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    auto state = StateOf(kinds[i], elements + 1 + 3 * i);
    if (!state) return StorageErrc::kProtocol;
    outcome.states.push_back(*state);
  }
  return {};
}

}  // namespace limitsd::storage::redis
