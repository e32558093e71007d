// limitsd_inprocess: what one in-process decision costs, in the same shape as the Python
// `limits` library's benchmark (bench/python_limits_hits.py), and what a live key costs.
//   --mode hits:   fixed-window HITs through limits::RateLimiter::Decide on memory:// (as
//                  the daemon decides), over --keys keys in turn, none denied; prints hits/s.
//                  --batch N reads the clock once per N hits (storage::ClockBatch), as the
//                  daemon does for the requests of one read (N = 16: a client pipelining 16);
//                  with --prefetch, the N hits are prefetched first (RateLimiter::Prefetch),
//                  then decided, as the daemon does (server/request_window.h).
//   --mode clock:  --hits reads of the store's clock alone, the floor under any hit.
//   --mode memory: --keys distinct fixed-window HITs; prints (VmRSS after - before) / keys.
// The last line is machine-readable: "RESULT key=value ...".

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "bench/limiter_fixture.h"

namespace limitsd::bench {
namespace {

constexpr const char* kLimit = "fixed-window:1000000000/hour";

long ResidentKiB() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

int Hits(std::uint64_t hits, std::size_t key_count, std::uint64_t batch_size, bool prefetch) {
  MemoryLimiter m;
  const limits::Limit limit = MakeLimit(kLimit);
  const std::vector<std::string> keys = MakeKeys(key_count);
  std::uint64_t allowed = 0;
  const auto start = std::chrono::steady_clock::now();
  std::size_t k = 0;
  std::optional<storage::ClockBatch> batch;
  for (std::uint64_t i = 0; i < hits; ++i) {
    if (batch_size > 1 && i % batch_size == 0) {
      batch.reset();
      batch.emplace();
      // As the daemon prefetches a window: a run of the same key once.
      for (std::uint64_t j = 0; prefetch && j < batch_size; ++j) {
        if (j > 0 && keys.size() == 1) break;
        m.limiter.Prefetch(limit, keys[(k + j) % keys.size()]);
      }
    }
    const auto pending = m.limiter.Decide(limit, keys[k], 1, storage::TakeMode::kHit);
    allowed += pending.ready() && pending.value() && pending.value()->allowed;
    if (++k == keys.size()) k = 0;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("RESULT hits_per_s=%.0f hits=%llu allowed=%llu keys=%zu batch=%llu prefetch=%d "
              "seconds=%.3f\n",
              static_cast<double>(hits) / seconds, (unsigned long long)hits,
              (unsigned long long)allowed, key_count, (unsigned long long)batch_size,
              prefetch ? 1 : 0, seconds);
  return allowed == hits ? 0 : 1;
}

// The floor under any hit: one read of the store's clock (a decision needs the time).
int ClockReads(std::uint64_t reads) {
  const storage::SystemClock clock;
  const storage::Clock& any = clock;  // through the interface, as the store reads it
  std::int64_t sum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < reads; ++i) sum += any.Now().count() & 1;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("RESULT reads_per_s=%.0f reads=%llu seconds=%.3f odd=%lld\n",
              static_cast<double>(reads) / seconds, (unsigned long long)reads, seconds,
              (long long)sum);
  return 0;
}

int Memory(std::size_t key_count) {
  MemoryLimiter m;
  const limits::Limit limit = MakeLimit(kLimit);
  std::string key;
  const long before = ResidentKiB();
  RunCoroutine([&]() -> storage::Task<void> {
    for (std::size_t i = 0; i < key_count; ++i) {
      key = "user";
      key += std::to_string(i);
      (void)co_await m.limiter.Decide(limit, key, 1, storage::TakeMode::kHit).Wait();
    }
  });
  const long after = ResidentKiB();
  const std::size_t live = m.store.Stats().fixed_entries;
  const double per_key = 1024.0 * static_cast<double>(after - before) / double(key_count);
  std::printf("RESULT bytes_per_key=%.1f rss_before_kib=%ld rss_after_kib=%ld keys=%zu "
              "live_entries=%zu\n",
              per_key, before, after, key_count, live);
  return live == key_count ? 0 : 1;
}

int Main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string mode = "hits";
  std::uint64_t hits = 2'000'000;
  std::size_t keys = 10'000;
  std::uint64_t batch = 1;
  bool prefetch = false;
  po::options_description desc("limitsd_inprocess options");
  desc.add_options()("mode", po::value(&mode)->default_value(mode), "hits | clock | memory")
      ("hits", po::value(&hits)->default_value(hits), "hits to time (--mode hits)")
      ("keys", po::value(&keys)->default_value(keys), "distinct keys")
      ("batch", po::value(&batch)->default_value(batch), "hits per clock read (--mode hits)")
      ("prefetch", po::bool_switch(&prefetch), "prefetch each batch before deciding it");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  po::notify(vm);
  if (keys == 0) throw std::invalid_argument("--keys must be >= 1");
  if (batch == 0) throw std::invalid_argument("--batch must be >= 1");
  if (mode == "hits") return Hits(hits, keys, batch, prefetch);
  if (mode == "memory") return Memory(keys);
  if (mode == "clock") return ClockReads(hits);
  throw std::invalid_argument("--mode must be hits, clock or memory");
}

}  // namespace
}  // namespace limitsd::bench

int main(int argc, char** argv) {
  try {
    return limitsd::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "limitsd_inprocess: %s\n", e.what());
    return 2;
  }
}
