#include "storage/redis/redis_scripts.h"

#include <openssl/evp.h>

#include <array>

namespace limitsd::storage::redis {
namespace {

// Exact integer helpers shared by the scripts (and tested on their own).
constexpr std::string_view kArithmeticSource = R"lua(
local function fmt(x) return string.format('%.0f', x) end
local function ms_ceil(us) return math.ceil(us / 1000) end

-- floor(a * b / c) exactly, for 0 <= a < 2^53 and 0 <= b <= c < 2^52: shift-and-add
-- multiplication keeping the quotient and the remainder, so nothing exceeds 2c.
local function mul_div(a, b, c)
  local q, r = 0, 0
  local bit = 1
  while bit * 2 <= a do bit = bit * 2 end
  while bit >= 1 do
    q = q * 2
    r = r * 2
    if r >= c then r = r - c; q = q + 1 end
    if a >= bit then
      a = a - bit
      r = r + b
      if r >= c then r = r - c; q = q + 1 end
    end
    bit = bit / 2
  end
  return q
end

local function bucket_of(now, e)
  local n = math.floor(now / e)
  while n * e > now do n = n - 1 end
  while (n + 1) * e <= now do n = n + 1 end
  return n
end
)lua";

// Layouts (K = "<key_prefix>:<key>"):
//   fixed window    a string counter with a PX expiry set when the first hit creates it.
//   sliding window  a string "bucket:previous:current", bucket = floor(now / E), expiring
//                   when the bucket after the current one ends.
//   moving window   a sorted set of runs: member = the run's time (us), score = the
//                   cumulative number of units taken up to and including the run; the
//                   member "b" scores the number of units already forgotten (expired or
//                   beyond the limit). A run's units are (previous score, score]; the unit
//                   at newest-first index i is the first run scoring >= total - i.
//                   Hits at one time merge into one run, so neither cost nor limit
//                   multiplies the work: a hit costs O(log runs) plus the runs it expires.
//   gcra            a string holding the theoretical arrival time (us), expiring then.
//
// A fixed-window hit takes first and asks later: INCRBY, PTTL; then PEXPIRE when the key
// had no TTL (it was just created), or, when the request is denied, DECRBY (DEL when the
// INCRBY created the key) so that a denied hit leaves nothing behind. TIME is read only
// when a moving or sliding rate needs it.
constexpr std::string_view kTakeSource = R"lua(
local clock
local function now_us()
  if not clock then
    local tm = redis.call('TIME')
    clock = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
  end
  return clock
end

-- Fixed window ---------------------------------------------------------------------
-- s = {count, pttl_ms (-1: no TTL, -2: absent), added (whether count includes the cost)}
local function fixed_add(k, cost_s)
  local c = redis.call('INCRBY', k, cost_s)
  return {c, redis.call('PTTL', k), true}
end

local function fixed_load(k)
  local v = redis.call('GET', k)
  if not v then return {0, -2, false} end
  return {tonumber(v), redis.call('PTTL', k), false}
end

-- Keeps the tentative take (taken) or gives it back; returns count, ttl_us.
local function fixed_settle(k, s, taken, cost, cost_s, ms)
  local count, ttl = s[1], s[2]
  if s[3] then
    if taken then
      if ttl == -1 then redis.call('PEXPIRE', k, ms); ttl = tonumber(ms) end
    elseif ttl == -1 and count == cost then
      redis.call('DEL', k)  -- created by our INCRBY: as if never touched
      return 0, 0
    else
      redis.call('DECRBY', k, cost_s)
      count = count - cost
    end
  end
  if ttl < 0 then ttl = 0 end
  return count, ttl * 1000
end

-- Sliding window counter -----------------------------------------------------------
local function sliding_load(k, e)
  local now = now_us()
  local n = bucket_of(now, e)
  local prev, cur = 0, 0
  local v = redis.call('GET', k)
  if v then
    local sb, sp, sc = string.match(v, '^(%d+):(%d+):(%d+)$')
    sb, sp, sc = tonumber(sb), tonumber(sp), tonumber(sc)
    if sb > n then n = sb; now = n * e end  -- the clock stepped back: stay at our last bucket
    if sb == n then prev, cur = sp, sc elseif sb == n - 1 then prev = sc end
  end
  return {n = n, now = now, prev = prev, cur = cur, elapsed = now - n * e}
end

local function sliding_weighted(s, e)
  return mul_div(s.prev, e - s.elapsed, e) + s.cur
end

local function sliding_take(k, s, e, cost)
  s.cur = s.cur + cost
  local value = fmt(s.n) .. ':' .. fmt(s.prev) .. ':' .. fmt(s.cur)
  redis.call('SET', k, value, 'PX', fmt(ms_ceil((s.n + 2) * e - s.now)))
end

-- Moving window --------------------------------------------------------------------
local function moving_load(k, e)
  local now = now_us()
  local base = tonumber(redis.call('ZSCORE', k, 'b') or '0')
  local newest = redis.call('ZRANGE', k, -1, -1, 'WITHSCORES')
  if #newest == 0 or newest[1] == 'b' then
    if #newest > 0 then redis.call('DEL', k) end
    return {now = now, base = 0, total = 0}
  end
  local s = {base = base, total = tonumber(newest[2]), newest = newest[1]}
  s.newest_time = tonumber(newest[1])
  if s.newest_time > now then now = s.newest_time end  -- never go back in time
  s.now = now
  -- Expire the runs that left the window: a unit taken at t counts while t >= now - E.
  local oldest_live = now - e
  while true do
    local o = redis.call('ZRANGEBYSCORE', k, '(' .. fmt(s.base), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if #o == 0 or tonumber(o[1]) >= oldest_live then break end
    redis.call('ZREM', k, o[1])
    s.base = tonumber(o[2])
  end
  if s.base == s.total then
    redis.call('DEL', k)  -- empty: the numbering restarts
    return {now = now, base = 0, total = 0}
  end
  if s.base ~= base then redis.call('ZADD', k, fmt(s.base), 'b') end
  return s
end

local function moving_state(k, s, limit, cost)
  local count = s.total - s.base
  local newest_age, blocking = 0, -1
  if count > 0 then newest_age = s.now - s.newest_time end
  if cost > limit then
    blocking = 0
  elseif count + cost > limit then
    local unit = s.total - (limit - cost)
    local r = redis.call('ZRANGEBYSCORE', k, fmt(unit), '+inf', 'LIMIT', 0, 1)
    blocking = s.now - tonumber(r[1])
  end
  return count, newest_age, blocking
end

local function moving_take(k, s, limit, e, cost)
  s.total = s.total + cost
  local member = fmt(s.now)
  s.newest_time = s.now
  redis.call('ZADD', k, fmt(s.total), member)
  if s.total - s.base > limit then
    s.base = s.total - limit
    redis.call('ZREMRANGEBYSCORE', k, '-inf', fmt(s.base))
  end
  if s.base > 1125899906842624 then  -- 2^50: renumber before the scores lose precision
    local all = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
    for i = 1, #all, 2 do
      redis.call('ZADD', k, fmt(tonumber(all[i + 1]) - s.base), all[i])
    end
    s.total = s.total - s.base
    s.base = 0
  end
  redis.call('ZADD', k, fmt(s.base), 'b')
  redis.call('PEXPIRE', k, fmt(ms_ceil(e + 1)))
end

-- GCRA (strategy/gcra.h) ----------------------------------------------------------
local function gcra_load(k)
  local now = now_us()
  local tat = tonumber(redis.call('GET', k) or '0')
  local ttl = tat - now
  if ttl < 0 then ttl = 0 end
  return {now = now, tat = tat, ttl = ttl}
end

local function gcra_take(k, s, t, cost)
  local tat = math.max(s.tat, s.now) + cost * t
  s.ttl = tat - s.now
  redis.call('SET', k, fmt(tat), 'PX', fmt(ms_ceil(s.ttl)))
end

-- The common case, one fixed-window rate, without the general path's tables; its four
-- reply integers go to out[o + 1 .. o + 4].
local function fixed_only(out, o, k, take, cost, cost_s, limit, ms)
  out[o + 4] = 0
  if not take or cost > limit then
    local s = fixed_load(k)
    out[o + 1] = 0
    out[o + 2], out[o + 3] = fixed_settle(k, s, false, cost, cost_s, ms)
    return
  end
  local c = redis.call('INCRBY', k, cost_s)
  local ttl = redis.call('PTTL', k)
  if c <= limit then
    if ttl == -1 then redis.call('PEXPIRE', k, ms); ttl = tonumber(ms) end
    out[o + 1], out[o + 2], out[o + 3] = 1, c, ttl * 1000
    return
  end
  out[o + 1] = 0
  out[o + 2], out[o + 3] = fixed_settle(k, {c, ttl, true}, false, cost, cost_s, ms)
end

-- One request: every rate or none; its reply (taken, then three integers per rate) is
-- appended to `out`. ARGV from `a`: mode, cost, rate count, then per rate kind, limit,
-- window (ms for a fixed window, us otherwise); its keys start at KEYS[ki].
local function run_request(out, ki, a)
  local take = ARGV[a] == '1'
  local cost_s = ARGV[a + 1]
  local cost = tonumber(cost_s)
  local n = tonumber(ARGV[a + 2])
  a = a + 3
  if n == 1 and ARGV[a] == 'f' then
    fixed_only(out, #out, KEYS[ki], take, cost, cost_s, tonumber(ARGV[a + 1]), ARGV[a + 2])
    return ki + 1, a + 3
  end
  local allowed = true
  for i = 0, n - 1 do
    if cost > tonumber(ARGV[a + i * 3 + 1]) then allowed = false; take = false end
  end
  local states = {}
  for i = 0, n - 1 do
    local kind, limit, e = ARGV[a + i * 3], tonumber(ARGV[a + i * 3 + 1]), tonumber(ARGV[a + i * 3 + 2])
    local k = KEYS[ki + i]
    local s
    if kind == 'f' then
      if take then
        s = fixed_add(k, cost_s)
        if s[1] > limit then allowed = false end
      else
        s = fixed_load(k)
        if s[1] + cost > limit then allowed = false end
      end
    elseif kind == 's' then
      s = sliding_load(k, e)
      if sliding_weighted(s, e) + cost > limit then allowed = false end
    elseif kind == 'g' then
      s = gcra_load(k)
      if s.ttl + cost * e > limit * e then allowed = false end
    else
      s = moving_load(k, e)
      if s.total - s.base + cost > limit then allowed = false end
    end
    states[i] = s
  end
  local taken = take and allowed
  out[#out + 1] = taken and 1 or 0
  for i = 0, n - 1 do
    local kind, limit, e = ARGV[a + i * 3], tonumber(ARGV[a + i * 3 + 1]), tonumber(ARGV[a + i * 3 + 2])
    local k, s = KEYS[ki + i], states[i]
    local o = #out
    if kind == 'f' then
      out[o + 1], out[o + 2] = fixed_settle(k, s, taken, cost, cost_s, ARGV[a + i * 3 + 2])
      out[o + 3] = 0
    elseif kind == 's' then
      if taken then sliding_take(k, s, e, cost) end
      out[o + 1], out[o + 2], out[o + 3] = s.prev, s.cur, s.elapsed
    elseif kind == 'g' then
      if taken then gcra_take(k, s, e, cost) end
      out[o + 1], out[o + 2], out[o + 3] = s.ttl, 0, 0
    else
      if taken then moving_take(k, s, limit, e, cost) end
      out[o + 1], out[o + 2], out[o + 3] = moving_state(k, s, limit, cost)
    end
  end
  return ki + n, a + n * 3
end

-- Every request of the batch, in order, their replies one after the other in one array.
local replies = {}
local ki, a = 1, 1
local argc = #ARGV
while a <= argc do
  ki, a = run_request(replies, ki, a)
end
return replies
)lua";

constexpr std::string_view kIncrSource = R"lua(
local v = redis.call('INCRBY', KEYS[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return v
)lua";

constexpr std::string_view kDecrSource = R"lua(
local v = tonumber(redis.call('GET', KEYS[1]))
if not v then return 0 end
local n = v - tonumber(ARGV[1])
if n < 0 then n = 0 end
redis.call('SET', KEYS[1], string.format('%.0f', n), 'KEEPTTL')
return n
)lua";

std::string Sha1Hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

RedisScript Make(std::string_view name, std::string source) {
  std::string sha1 = Sha1Hex(source);
  return RedisScript{name, std::move(source), std::move(sha1)};
}

}  // namespace

std::string_view ArithmeticLua() { return kArithmeticSource; }

const RedisScript& TakeScript() {
  static const RedisScript script = Make("take", std::string(kArithmeticSource) + std::string(kTakeSource));
  return script;
}

const RedisScript& IncrScript() {
  static const RedisScript script = Make("incr", std::string(kIncrSource));
  return script;
}

const RedisScript& DecrScript() {
  static const RedisScript script = Make("decr", std::string(kDecrSource));
  return script;
}

}  // namespace limitsd::storage::redis
