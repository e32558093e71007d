// Micro-benchmarks of deciding in process: rate-string parsing, and a HIT of each strategy
// on the memory store through limits::RateLimiter, on one key and spread over 1M keys; the
// moving window with a full window at limit 10 and at limit 100,000, which must cost the
// same per hit. Items per second are hits (or parses) per second, on one thread.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/limiter_fixture.h"
#include "limits/rate_parser.h"

namespace limitsd::bench {
namespace {

void BM_ParseRates(benchmark::State& state, const char* text) {
  for (auto _ : state) {
    limits::RateParseResult parsed = limits::ParseRates(text);
    benchmark::DoNotOptimize(parsed.items.data());
    if (!parsed.ok()) state.SkipWithError("the rate string did not parse");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_ParseRates, one, "10/second");
BENCHMARK_CAPTURE(BM_ParseRates, two, "100/minute;1000/hour");
BENCHMARK_CAPTURE(BM_ParseRates, words, "5 per 10 minutes");

// Hits `limit` on `key_count` keys in turn, every hit allowed (the amount is out of reach),
// as the daemon does on memory://: RateLimiter::Decide, ready at once, no coroutine.
void HitKeys(benchmark::State& state, const char* limit_token, std::size_t key_count) {
  MemoryLimiter m;
  const limits::Limit limit = MakeLimit(limit_token);
  const std::vector<std::string> keys = MakeKeys(key_count);
  std::int64_t denied = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto pending = m.limiter.Decide(limit, keys[i], 1, storage::TakeMode::kHit);
    denied += !pending.ready() || !pending.value() || !pending.value()->allowed;
    if (++i == keys.size()) i = 0;
  }
  if (denied > 0) state.SkipWithError("a hit was denied: the limit is too low");
  state.SetItemsProcessed(state.iterations());
}

// The same awaited (Pending::Wait), as a caller that does not test ready() first: the
// difference is the coroutine frames and resumptions.
void BM_HitFixedWindowAwaited(benchmark::State& state) {
  MemoryLimiter m;
  const limits::Limit limit = MakeLimit("fixed-window:1000000000/hour");
  const std::vector<std::string> keys = MakeKeys(static_cast<std::size_t>(state.range(0)));
  RunCoroutine([&]() -> storage::Task<void> {
    std::size_t i = 0;
    for (auto _ : state) {
      auto decision =
          co_await m.limiter.Decide(limit, keys[i], 1, storage::TakeMode::kHit).Wait();
      benchmark::DoNotOptimize(decision);
      if (++i == keys.size()) i = 0;
    }
  });
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HitFixedWindowAwaited)->Arg(1);

constexpr std::size_t kManyKeys = 1'000'000;
constexpr storage::TakeMode kHit = storage::TakeMode::kHit;

void BM_HitFixedWindow(benchmark::State& state) {
  HitKeys(state, "fixed-window:1000000000/hour", static_cast<std::size_t>(state.range(0)));
}
void BM_HitSlidingWindowCounter(benchmark::State& state) {
  HitKeys(state, "sliding-window-counter:1000000000/hour",
          static_cast<std::size_t>(state.range(0)));
}
void BM_HitFixedWindowTwoRates(benchmark::State& state) {
  HitKeys(state, "fixed-window:1000000000/minute;1000000000/hour",
          static_cast<std::size_t>(state.range(0)));
}
BENCHMARK(BM_HitFixedWindow)->Arg(1)->Arg(kManyKeys);
BENCHMARK(BM_HitSlidingWindowCounter)->Arg(1)->Arg(kManyKeys);
BENCHMARK(BM_HitFixedWindowTwoRates)->Arg(1)->Arg(kManyKeys);

// The moving window holds up to `limit` runs per key. At 1M keys it is given a limit of
// 1000/hour: every hit is allowed, each key holds a few runs.
void BM_HitMovingWindow(benchmark::State& state) {
  HitKeys(state, "moving-window:1000/hour", static_cast<std::size_t>(state.range(0)));
}
BENCHMARK(BM_HitMovingWindow)->Arg(kManyKeys);

// One key with a full moving window: the clock advances window/limit per hit, so each hit
// finds `limit` units in the window, expires the oldest and takes one. The cost per hit
// must not grow with the limit.
void BM_HitMovingWindowFull(benchmark::State& state) {
  const std::int64_t amount = state.range(0);
  auto clock = std::make_shared<storage::ManualClock>();
  MemoryLimiter m(clock);
  const limits::Limit limit = MakeLimit("moving-window:" + std::to_string(amount) + "/minute");
  const storage::Micros step{60'000'000 / amount};
  std::int64_t denied = 0;
  RunCoroutine([&]() -> storage::Task<void> {
    for (std::int64_t i = 0; i < amount; ++i) {  // fill the window first, untimed
      (void)co_await m.limiter.Decide(limit, "user", 1, kHit).Wait();
      clock->Advance(step);
    }
    for (auto _ : state) {
      auto decision = co_await m.limiter.Decide(limit, "user", 1, kHit).Wait();
      denied += decision && !decision->allowed;
      clock->Advance(step);
    }
  });
  state.counters["denied"] = static_cast<double>(denied);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HitMovingWindowFull)->Arg(10)->Arg(100'000);

// A denied hit on a full moving window (the abusive client's path).
void BM_DenyMovingWindow(benchmark::State& state) {
  const std::int64_t amount = state.range(0);
  MemoryLimiter m;
  const limits::Limit limit = MakeLimit("moving-window:" + std::to_string(amount) + "/hour");
  RunCoroutine([&]() -> storage::Task<void> {
    for (std::int64_t i = 0; i < amount; ++i) {
      (void)co_await m.limiter.Decide(limit, "user", 1, kHit).Wait();
    }
    for (auto _ : state) {
      auto decision = co_await m.limiter.Decide(limit, "user", 1, kHit).Wait();
      benchmark::DoNotOptimize(decision);
    }
  });
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DenyMovingWindow)->Arg(10)->Arg(100'000);

// The layers under RateLimiter::Hit, to see where an in-process hit's time goes: building
// the storage key, and the memory store's synchronous take with the key already built
// (no coroutine, no key building).
void BM_WriteStorageKey(benchmark::State& state) {
  const limits::Limit limit = MakeLimit("fixed-window:100/minute");
  char out[128];
  for (auto _ : state) {
    benchmark::DoNotOptimize(limit.WriteStorageKey("user12345", 0, out));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriteStorageKey);

void BM_StoreTakeAllNow(benchmark::State& state) {
  MemoryLimiter m;
  const limits::Limit limit = MakeLimit("fixed-window:1000000000/hour");
  std::vector<std::string> keys;
  for (const std::string& k : MakeKeys(static_cast<std::size_t>(state.range(0)))) {
    keys.emplace_back(limit.StorageKeySize(k, 0), '\0');
    limit.WriteStorageKey(k, 0, keys.back().data());
  }
  const auto& rate = limit.rates().front();
  std::size_t i = 0;
  for (auto _ : state) {
    const storage::RateQuery query{keys[i], limit.strategy(), rate.amount(), rate.Expiry()};
    auto outcome = m.store.TakeAllNow({&query, 1}, 1, storage::TakeMode::kHit);
    benchmark::DoNotOptimize(outcome->taken);
    if (++i == keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreTakeAllNow)->Arg(1)->Arg(kManyKeys);

// The same take of the same entries, keyed as the RateLimiter passes it to memory://: the
// limit's keys hashed once (storage/limit_keys.h), only the user's key per take.
void BM_StoreTakeKeyed(benchmark::State& state) {
  MemoryLimiter m;
  const limits::Limit limit = MakeLimit("fixed-window:1000000000/hour");
  const std::vector<std::string> keys = MakeKeys(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    auto outcome = m.store.TakeKeyed(limit.keys(), keys[i], 1, storage::TakeMode::kHit);
    benchmark::DoNotOptimize(outcome->taken);
    if (++i == keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreTakeKeyed)->Arg(1)->Arg(kManyKeys);

}  // namespace
}  // namespace limitsd::bench

BENCHMARK_MAIN();
