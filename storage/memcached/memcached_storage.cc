#include "storage/memcached/memcached_storage.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>

#include "storage/configuration_error.h"
#include "storage/memcached/rate_math.h"
#include "storage/storage_error.h"
#include "storage/storage_registry.h"

namespace limitsd::storage::memcached {
namespace {

// memcached reads an exptime above 30 days as an absolute Unix time.
constexpr std::int64_t kMaxRelativeExptime = 60 * 60 * 24 * 30;
// memcached parses exptime as a signed 32-bit number.
constexpr std::int64_t kMaxExptime = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kMicrosPerSecond = 1'000'000;

// Result<bool> cannot tell an error_code from a bool: say which one it is.
Result<bool> BoolError(std::error_code ec) { return {boost::system::in_place_error, ec}; }

// The options this storage reads (docs/storage-memcached.md); any other is refused.
constexpr std::string_view kOptions[] = {
    "key_prefix",         "virtual_nodes",      "cas_retries",
    "connect_timeout_ms", "backoff_initial_ms", "backoff_max_ms",
    "max_pending",        "max_value_bytes",    "ttl_padding_s"};

std::vector<ServerAddress> ServersOf(const StorageContext& context) {
  context.RequireKnownOptions("memcached", kOptions);
  const StorageUri& uri = context.uri;
  std::vector<ServerAddress> servers;
  for (const Location& location : uri.locations) {
    servers.push_back(ServerAddress{location.host, location.port, {}});
  }
  if (servers.empty() && uri.path.size() > 1) {
    servers.push_back(ServerAddress{{}, 0, uri.path});
  } else if (servers.empty() || uri.path.size() > 1) {
    throw ConfigurationError("memcached storage uri " + uri.Redacted() +
                             " must name servers (memcached://host:port[,host:port...]) or a "
                             "Unix socket (memcached:///path/to.sock), not both");
  }
  return servers;
}

ConnectionOptions ConnectionOptionsOf(const StorageContext& context) {
  ConnectionOptions options;
  options.connect_timeout =
      std::chrono::milliseconds(context.IntOption("connect_timeout_ms", 1000, 1, 600'000));
  options.backoff_initial =
      std::chrono::milliseconds(context.IntOption("backoff_initial_ms", 50, 1, 600'000));
  options.backoff_max = std::max(
      options.backoff_initial,
      std::chrono::milliseconds(context.IntOption("backoff_max_ms", 1000, 1, 600'000)));
  options.max_pending =
      static_cast<std::size_t>(context.IntOption("max_pending", 10'000, 1, 10'000'000));
  return options;
}

// key_prefix, checked by the key encoder.
std::string KeyPrefixOf(const StorageContext& context) {
  std::string prefix = context.Option("key_prefix", "limitsd:");
  try {
    MemcachedKeyEncoder check(prefix);
  } catch (const ConfigurationError& e) {
    context.Problem("key_prefix", e.what());
    return "limitsd:";
  }
  return prefix;
}

std::string DescriptionOf(const std::vector<ServerAddress>& servers) {
  std::string out = "memcached://";
  if (servers.size() == 1 && !servers.front().unix_path.empty()) {
    return out + servers.front().unix_path;
  }
  for (std::size_t i = 0; i < servers.size(); ++i) {
    out += (i == 0 ? "" : ",") + servers[i].Name();
  }
  return out;
}

// "<verb> <key> 0 <exptime> <bytes>[ <cas>]\r\n<value>\r\n"
std::string StorageCommand(std::string_view verb, const std::string& mkey, std::int64_t exptime,
                           const std::string& value, std::optional<std::uint64_t> cas) {
  std::string command;
  command.reserve(verb.size() + mkey.size() + value.size() + 64);
  command.append(verb).append(" ").append(mkey).append(" 0 ");
  command.append(std::to_string(exptime)).append(" ").append(std::to_string(value.size()));
  if (cas) command.append(" ").append(std::to_string(*cas));
  command.append("\r\n").append(value).append("\r\n");
  return command;
}

}  // namespace

MemcachedStorage::MemcachedStorage(const StorageContext& context)
    : clock_(context.clock),
      timeout_(context.timeout),
      keys_(KeyPrefixOf(context)),
      cas_retries_(static_cast<int>(context.IntOption("cas_retries", 10, 1, 1000))),
      max_value_bytes_(
          context.IntOption("max_value_bytes", kDefaultMaxValueBytes, 1024, 1LL << 30)),
      ttl_padding_s_(context.IntOption("ttl_padding_s", 60, 1, 86'400)),
      description_(DescriptionOf(ServersOf(context))),
      client_(ServersOf(context),
              static_cast<int>(context.IntOption("virtual_nodes", 160, 1, 10'000)),
              ConnectionOptionsOf(context), context.executors) {}

void MemcachedStorage::ValidateOptions(const StorageContext& context) {
  StorageContext idle = context;
  idle.executors.clear();
  const MemcachedStorage storage(idle);
}

std::optional<std::string> MemcachedStorage::CheckLimit(std::int64_t amount, Micros window) {
  const std::int64_t worst = MovingWindowWorstBytes(amount, window.count());
  if (worst <= kDefaultMaxValueBytes) return std::nullopt;
  return "a moving window of " + std::to_string(amount) +
         " units may need up to " + std::to_string(worst) +
         " bytes, more than a memcached item holds (" + std::to_string(kDefaultMaxValueBytes) +
         "); lower the amount or use the fixed-window or sliding-window-counter strategy";
}

std::optional<std::string> MemcachedStorage::CheckLimit(StrategyKind strategy,
                                                        std::int64_t amount, Micros window) {
  if (strategy != StrategyKind::kMovingWindow) return std::nullopt;
  return CheckLimit(amount, window);
}

std::int64_t MemcachedStorage::Now() noexcept {
  const std::int64_t now = clock_->Now().count();
  std::int64_t last = last_now_.load(std::memory_order_relaxed);
  while (last < now && !last_now_.compare_exchange_weak(last, now, std::memory_order_relaxed)) {
  }
  return std::max(last, now);
}

Deadline MemcachedStorage::NewDeadline() const {
  return std::chrono::steady_clock::now() + timeout_;
}

std::int64_t MemcachedStorage::ExpTime(std::int64_t live_until, std::int64_t now) const {
  const std::int64_t remaining = std::max<std::int64_t>(0, live_until - now);
  const std::int64_t seconds = (remaining + kMicrosPerSecond - 1) / kMicrosPerSecond +
                               ttl_padding_s_;
  if (seconds <= kMaxRelativeExptime) return seconds;
  // Absolute times are read against memcached's own (real) clock, not the store's.
  const std::int64_t unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
  return std::min(unix_now + seconds, kMaxExptime);
}

MemcachedStorage::ItemLocation MemcachedStorage::Locate(std::string_view item_id) const {
  std::string body = keys_.EncodeBody(item_id);
  const std::size_t server = client_.ServerOf(body);
  return ItemLocation{server, keys_.prefix() + body};
}

Task<Result<MemcachedStorage::Fetched>> MemcachedStorage::Fetch(const ItemLocation& where,
                                                                Deadline deadline) {
  auto reply = co_await client_.Call(where.server, "gets " + where.mkey + "\r\n", deadline);
  if (!reply) co_return reply.error();
  if (reply->status != "END") co_return ReplyError(*reply);
  Fetched fetched;
  if (!reply->has_value) co_return fetched;
  std::optional<LimitItem> item = LimitItem::Decode(reply->value);
  if (!item) co_return std::error_code(StorageErrc::kProtocol);
  fetched.item = std::move(*item);
  fetched.cas = reply->cas;
  co_return fetched;
}

Task<Result<bool>> MemcachedStorage::Store(const ItemLocation& where, const Fetched& before,
                                           const LimitItem& item, std::int64_t now,
                                           Deadline deadline) {
  const std::string value = item.Encode();
  if (static_cast<std::int64_t>(value.size()) > max_value_bytes_) {
    co_return BoolError(StorageErrc::kTooLarge);
  }
  const std::int64_t exptime = ExpTime(LiveUntil(item), now);
  std::string command =
      before.cas ? StorageCommand("cas", where.mkey, exptime, value, before.cas)
                 : StorageCommand("add", where.mkey, exptime, value, std::nullopt);
  auto reply = co_await client_.Call(where.server, std::move(command), deadline);
  if (!reply) co_return BoolError(reply.error());
  const std::string& status = reply->status;
  if (status == "STORED") co_return true;
  // Another daemon got there first (EXISTS, NOT_STORED) or the item went away (NOT_FOUND).
  if (status == "EXISTS" || status == "NOT_STORED" || status == "NOT_FOUND") co_return false;
  co_return BoolError(ReplyError(*reply));
}

template <class Mutate>
Task<Result<void>> MemcachedStorage::Update(std::string_view item_id, Mutate mutate) {
  const Deadline deadline = NewDeadline();
  const ItemLocation where = Locate(item_id);
  auto guard = co_await locks_.Acquire(where.mkey, deadline);
  if (!guard) co_return guard.error();
  for (int attempt = 0; attempt < cas_retries_; ++attempt) {
    auto fetched = co_await Fetch(where, deadline);
    if (!fetched) co_return fetched.error();
    const std::int64_t now = Now();
    LimitItem item = fetched->item;
    DropDead(item, now);
    if (!mutate(item, now)) co_return Result<void>{};
    if (!fetched->cas && item.rates.empty()) co_return Result<void>{};  // nothing to write
    auto stored = co_await Store(where, *fetched, item, now, deadline);
    if (!stored) co_return stored.error();
    if (*stored) co_return Result<void>{};
  }
  co_return std::error_code(StorageErrc::kContention);
}

Task<Result<WindowState>> MemcachedStorage::ReadState(const RateQuery& rate, std::int64_t cost) {
  const Deadline deadline = NewDeadline();
  auto fetched = co_await Fetch(Locate(ItemIdOf(rate.key)), deadline);
  if (!fetched) co_return fetched.error();
  co_return StateOf(fetched->item, rate, cost, Now());
}

Task<Result<bool>> MemcachedStorage::TakeOne(const RateQuery& rate, std::int64_t cost) {
  if (cost > rate.limit) co_return false;
  bool taken = false;
  auto updated = co_await Update(ItemIdOf(rate.key), [&](LimitItem& item, std::int64_t now) {
    taken = strategy::Fits(StateOf(item, rate, cost, now), rate.params(), cost);
    if (taken) Take(item, rate, cost, now);
    return taken;
  });
  if (!updated) co_return BoolError(updated.error());
  co_return taken;
}

Task<Result<std::int64_t>> MemcachedStorage::Incr(std::string_view key, Micros expiry,
                                                  std::int64_t amount) {
  std::int64_t value = 0;
  auto updated = co_await Update(ItemIdOf(key), [&](LimitItem& item, std::int64_t now) {
    value = IncrementFixed(item, key, expiry.count(), amount, now);
    return true;
  });
  if (!updated) co_return updated.error();
  co_return value;
}

Task<Result<void>> MemcachedStorage::Decr(std::string_view key, std::int64_t amount) {
  co_return co_await Update(ItemIdOf(key), [&](LimitItem& item, std::int64_t now) {
    return DecrementFixed(item, key, amount, now);
  });
}

Task<Result<std::int64_t>> MemcachedStorage::Get(std::string_view key) {
  auto state = co_await ReadState(RateQuery{key, StrategyKind::kFixedWindow, 0, Micros{1}}, 0);
  if (!state) co_return state.error();
  co_return std::get<FixedWindowState>(*state).count;
}

Task<Result<Micros>> MemcachedStorage::GetExpiry(std::string_view key) {
  auto state = co_await ReadState(RateQuery{key, StrategyKind::kFixedWindow, 0, Micros{1}}, 0);
  if (!state) co_return state.error();
  co_return std::get<FixedWindowState>(*state).ttl;
}

Task<Result<void>> MemcachedStorage::Clear(std::string_view key) {
  co_return co_await Update(ItemIdOf(key), [&](LimitItem& item, std::int64_t) {
    return item.Remove(key);
  });
}

Task<bool> MemcachedStorage::Check() { co_return co_await client_.CheckAll(NewDeadline()); }

std::string MemcachedStorage::Describe() const { return description_; }

Task<Result<bool>> MemcachedStorage::AcquireEntry(std::string_view key, std::int64_t limit,
                                                  Micros expiry, std::int64_t amount) {
  co_return co_await TakeOne(RateQuery{key, StrategyKind::kMovingWindow, limit, expiry}, amount);
}

Task<Result<MovingWindowState>> MemcachedStorage::GetMovingWindow(std::string_view key,
                                                                  std::int64_t limit,
                                                                  Micros expiry,
                                                                  std::int64_t amount) {
  auto state =
      co_await ReadState(RateQuery{key, StrategyKind::kMovingWindow, limit, expiry}, amount);
  if (!state) co_return state.error();
  co_return std::get<MovingWindowState>(*state);
}

Task<Result<bool>> MemcachedStorage::AcquireSlidingWindowEntry(std::string_view key,
                                                               std::int64_t limit, Micros expiry,
                                                               std::int64_t amount) {
  co_return co_await TakeOne(RateQuery{key, StrategyKind::kSlidingWindowCounter, limit, expiry},
                             amount);
}

Task<Result<SlidingWindowState>> MemcachedStorage::GetSlidingWindow(std::string_view key,
                                                                    Micros expiry) {
  auto state =
      co_await ReadState(RateQuery{key, StrategyKind::kSlidingWindowCounter, 0, expiry}, 0);
  if (!state) co_return state.error();
  co_return std::get<SlidingWindowState>(*state);
}

Task<Result<void>> MemcachedStorage::ClearSlidingWindow(std::string_view key, Micros) {
  co_return co_await Clear(key);
}

Task<Result<bool>> MemcachedStorage::AcquireGcra(std::string_view key, std::int64_t burst,
                                                 Micros interval, std::int64_t amount) {
  co_return co_await TakeOne(RateQuery{key, StrategyKind::kGcra, burst, Micros{0}, interval},
                             amount);
}

Task<Result<GcraState>> MemcachedStorage::GetGcra(std::string_view key) {
  auto state = co_await ReadState(RateQuery{key, StrategyKind::kGcra, 0, Micros{0}}, 0);
  if (!state) co_return state.error();
  co_return std::get<GcraState>(*state);
}

Task<Result<TakeOutcome>> MemcachedStorage::TakeAll(std::span<const RateQuery> rates,
                                                    std::int64_t cost, TakeMode mode) {
  TakeOutcome outcome;
  if (rates.empty()) co_return outcome;
  const std::string_view item_id = ItemIdOf(rates.front().key);
  for (const RateQuery& rate : rates) {
    // One item per call is what makes it atomic; keys of several items cannot be.
    if (ItemIdOf(rate.key) != item_id) co_return std::error_code(StorageErrc::kUnsupported);
  }
  const auto states_at = [&](const LimitItem& item, std::int64_t now) {
    outcome.states.clear();
    for (const RateQuery& rate : rates) outcome.states.push_back(StateOf(item, rate, cost, now));
  };
  if (mode == TakeMode::kPeek) {
    const Deadline deadline = NewDeadline();
    auto fetched = co_await Fetch(Locate(item_id), deadline);
    if (!fetched) co_return fetched.error();
    states_at(fetched->item, Now());
    co_return outcome;
  }
  auto updated = co_await Update(item_id, [&](LimitItem& item, std::int64_t now) {
    states_at(item, now);
    outcome.taken = true;
    for (std::size_t i = 0; i < rates.size(); ++i) {
      outcome.taken = outcome.taken && strategy::Fits(outcome.states[i], rates[i].params(), cost);
    }
    if (!outcome.taken) return false;
    for (const RateQuery& rate : rates) Take(item, rate, cost, now);
    states_at(item, now);
    return true;
  });
  if (!updated) co_return updated.error();
  co_return outcome;
}

std::size_t MemcachedStorage::ServerOf(std::string_view key) const {
  return client_.ServerOf(keys_.EncodeBody(ItemIdOf(key)));
}

LIMITSD_REGISTER_STORAGE(MemcachedStorage);

}  // namespace limitsd::storage::memcached
