#pragma once
// The Lua scripts of the Redis backend, each run by EVALSHA (EVAL again on NOSCRIPT).
//
// All times come from the server's TIME, in microseconds, so daemons sharing one Redis
// share one clock (fixed windows need no clock: Redis expires them). Numbers stay below 2^53 so that Lua's doubles hold them exactly, and
// every number handed to redis.call is formatted with "%.0f" (Lua's own tostring would
// switch to exponent notation above 1e14).

#include <string>
#include <string_view>

namespace limitsd::storage::redis {

struct RedisScript {
  std::string_view name;
  std::string source;
  std::string sha1;  ///< lower-case hex SHA-1 of `source`, as SCRIPT LOAD computes it
};

/// One or more requests ("a batch"), each of them every rate or none, in order.
/// KEYS: every request's keys, one per rate, request after request. ARGV: per request
/// mode ("1" take, "0" peek), cost, number of rates n, then per rate (strategy: "f" | "m" |
/// "s" | "g", limit (for "g" the burst), window: in milliseconds (at least 1) for "f", the
/// emission interval in microseconds for "g", in microseconds otherwise).
/// Returns one array per request: {taken, then per rate three integers}:
///   fixed window:   count, ttl_us, 0
///   moving window:  count, newest_age_us, blocking_age_us
///   sliding window: previous, current, elapsed_us
///   gcra:           ttl_us (theoretical arrival time - now, at least 0), 0, 0
/// The arithmetic restates strategy/*.h; tests/storage/redis/redis_script_model_test.cc
/// holds the two together.
const RedisScript& TakeScript();
/// Storage::Incr: KEYS[1]; ARGV: window in ms, amount. Sets the TTL when the key has none.
const RedisScript& IncrScript();
/// Storage::Decr, never below 0, TTL kept: KEYS[1]; ARGV: amount.
const RedisScript& DecrScript();

/// The Lua helpers the take script starts with: fmt(x), ms_ceil(us), mul_div(a, b, c) =
/// floor(a * b / c) exactly for a < 2^53 and b <= c < 2^52, bucket_of(now, e) =
/// floor(now / e) exactly. Exposed for tests.
std::string_view ArithmeticLua();

}  // namespace limitsd::storage::redis
