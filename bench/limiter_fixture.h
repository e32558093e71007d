#pragma once
// What the in-process benchmarks share: a memory store behind a RateLimiter, a limit built
// from a rate string, keys, and a way to run a loop of hits as one coroutine on an
// io_context (so the per-hit cost includes the awaitable frames, as in the daemon, but not
// a co_spawn per hit).

#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "limits/limit.h"
#include "limits/rate_limiter.h"
#include "limits/rate_parser.h"
#include "storage/clock.h"
#include "storage/memory/memory_storage.h"

namespace limitsd::bench {

/// A limit from "[strategy:]rate[;rate...]"; throws on a bad string (set-up, not data path).
inline limits::Limit MakeLimit(std::string_view token) {
  limits::InlineLimitResult parsed =
      limits::ParseInlineLimit(token, storage::StrategyKind::kFixedWindow);
  if (!parsed.limit) throw std::invalid_argument("bad limit '" + std::string(token) + "'");
  return std::move(*parsed.limit);
}

/// "user0" ... "user<count-1>".
inline std::vector<std::string> MakeKeys(std::size_t count) {
  std::vector<std::string> keys;
  keys.reserve(count);
  for (std::size_t i = 0; i < count; ++i) keys.push_back("user" + std::to_string(i));
  return keys;
}

/// Runs `body()` (a coroutine) to completion on a fresh io_context; rethrows its exception.
template <class Body>
void RunCoroutine(Body&& body) {
  boost::asio::io_context io;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::forward<Body>(body)(),
                        [&](std::exception_ptr e) { error = e; });
  io.run();
  if (error) std::rethrow_exception(error);
}

/// A memory store (256 shards, the default) with a RateLimiter over it.
struct MemoryLimiter {
  explicit MemoryLimiter(std::shared_ptr<const storage::Clock> clock =
                             std::make_shared<storage::SystemClock>())
      : store(std::move(clock), 256), limiter(store) {}

  storage::memory::MemoryStorage store;
  limits::RateLimiter limiter;
};

}  // namespace limitsd::bench
