#include "server/rls_handler.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <fmt/format.h>

namespace limitsd::server {
namespace {

namespace rls = envoy::service::ratelimit::v3;
using Descriptor = envoy::extensions::common::ratelimit::v3::RateLimitDescriptor;
using protocol::Verb;

constexpr std::size_t kMaxCachedOverrides = 4096;

// Keys name the domain and every entry, escaped so that no two descriptors share one:
// "domain|key=value|key=value", with every byte outside [A-Za-z0-9._~:/@-] as %XX.
void AppendEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '~' || c == ':' || c == '/' || c == '@' ||
                       c == '-';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

std::string CounterKey(std::string_view domain, const Descriptor& descriptor,
                       const config::EnvoyMatch* match) {
  std::string key;
  AppendEscaped(key, domain);
  for (int j = 0; j < descriptor.entries_size(); ++j) {
    const auto& entry = descriptor.entries(j);
    key += '|';
    AppendEscaped(key, entry.key());
    key += '=';
    const auto depth = static_cast<std::size_t>(j);
    if (match != nullptr && depth < match->walk.size() && match->walk[depth]->share_threshold) {
      // Every value the wildcard matches counts as one: the pattern stands for them (values
      // never hold a bare '*': it is escaped).
      key += '*';
      AppendEscaped(key, match->walk[depth]->value);
    } else {
      AppendEscaped(key, entry.value());
    }
  }
  return key;
}

rls::RateLimitResponse::RateLimit::Unit ProtoUnit(EnvoyUnit unit) {
  return static_cast<rls::RateLimitResponse::RateLimit::Unit>(static_cast<int>(unit));
}

void SetDuration(google::protobuf::Duration* duration, std::int64_t ms) {
  duration->set_seconds(ms / 1000);
  duration->set_nanos(static_cast<std::int32_t>((ms % 1000) * 1'000'000));
}

}  // namespace

struct RlsHandler::Item {
  std::shared_ptr<const limits::Limit> limit;
  const std::vector<ReportedRate>* reported = nullptr;
  std::vector<ReportedRate> own_reported;  // an override's
  std::string key;
  std::int64_t cost = 1;  // 0: a check that takes nothing
  bool shadow = false;
  bool quota = false;
  bool unlimited = false;
  bool blocks = false;
  std::int64_t block_window_seconds = 0;
  std::optional<Answer> answer;
  bool taken = false;

  /// Back to a new item, keeping the key's capacity.
  void Clear() {
    limit.reset();
    reported = nullptr;
    own_reported.clear();
    key.clear();
    cost = 1;
    shadow = quota = unlimited = blocks = taken = false;
    block_window_seconds = 0;
    answer.reset();
  }
  bool Decides() const { return limit != nullptr; }
  bool Denied() const {
    return blocks ||
           (answer && answer->kind == Answer::Kind::kDecision && !answer->decision.allowed);
  }
};

namespace {

// OVER_LIMIT when a descriptor that is neither shadowed nor in quota mode is over, or when
// every quota-mode descriptor is.
template <class Items>
bool Over(const Items& items) {
  bool any_quota = false, all_quota_over = true;
  for (const auto& item : items) {
    if (item.shadow) continue;
    if (item.quota) {
      any_quota = true;
      all_quota_over = all_quota_over && item.Denied();
    } else if (item.Denied()) {
      return true;
    }
  }
  return any_quota && all_quota_over;
}

}  // namespace

// One request on its way: what Plan made of it and how far it got. Items are never moved
// once planned (a waiting decision borrows an item's key and limit; an override's
// `reported` points into the item itself): a run that waits moves the vector, not them.
struct RlsHandler::Run {
  enum class Phase : std::uint8_t { kChecks, kHits, kGiveBack, kRespond, kDone };
  const Request* request = nullptr;
  Response* response = nullptr;
  // The rules of the generation this request started with, kept until it is answered.
  std::shared_ptr<const EnvoyLimits> limits;
  std::vector<Item> items;
  Phase phase = Phase::kChecks;
  std::size_t at = 0;             // the item of the phase to decide next (or awaited)
  bool test_all = false;          // several descriptors decide: each is tested before any is hit
  RlsStatus status;               // a failure, which ends the run; OK once it responded
  storage::Task<Answer> wait;     // the storage's answer for items[at], to await
  std::optional<Answer> arrived;  // that answer, once awaited
};

RlsHandler::RlsHandler(Decider& decider, Protocol protocol)
    : decider_(decider), protocol_(protocol) {}

RlsHandler::~RlsHandler() = default;

std::string RlsHandler::Invalid(const Request& request) {
  if (request.domain().empty()) return "the request has no domain";
  if (request.descriptors_size() == 0) return "the request has no descriptors";
  for (int i = 0; i < request.descriptors_size(); ++i) {
    const Descriptor& d = request.descriptors(i);
    if (d.entries_size() == 0) return fmt::format("descriptor {} has no entries", i);
    for (int j = 0; j < d.entries_size(); ++j) {
      if (d.entries(j).key().empty()) {
        return fmt::format("descriptor {}, entry {} has an empty key", i, j);
      }
    }
    if (d.has_limit() && (d.limit().unit() == envoy::type::v3::UNKNOWN ||
                          d.limit().unit() > envoy::type::v3::YEAR)) {
      return fmt::format("descriptor {} overrides the limit without a unit", i);
    }
    if (d.has_hits_addend() &&
        d.hits_addend().value() > static_cast<std::uint64_t>(limits::kMaxAmount)) {
      return fmt::format("descriptor {}: hits_addend {} is above {}", i, d.hits_addend().value(),
                         limits::kMaxAmount);
    }
  }
  if (request.hits_addend() > limits::kMaxAmount) {
    return fmt::format("hits_addend {} is above {}", request.hits_addend(), limits::kMaxAmount);
  }
  return {};
}

std::shared_ptr<const limits::Limit> RlsHandler::OverrideLimit(std::uint32_t requests_per_unit,
                                                               EnvoyUnit unit) {
  const std::uint64_t id = (std::uint64_t{requests_per_unit} << 8) | static_cast<unsigned>(unit);
  auto it = overrides_.find(id);
  if (it != overrides_.end()) return it->second;
  std::optional<limits::RateLimitItem> rate = EnvoyRate(requests_per_unit, unit);
  if (!rate) return nullptr;
  if (overrides_.size() >= kMaxCachedOverrides) overrides_.clear();
  auto limit =
      std::make_shared<const limits::Limit>("envoy.override", limits::StrategyKind::kFixedWindow,
                                            std::vector<limits::RateLimitItem>{*rate});
  overrides_.emplace(id, limit);
  return limit;
}

bool RlsHandler::StatesALimit(const Request& request) noexcept {
  for (const Descriptor& d : request.descriptors()) {
    if (d.has_limit()) return true;
  }
  return false;
}

RlsStatus RlsHandler::NoPermission(std::string_view how) {
  return {RlsStatus::Code::kPermissionDenied,
          "descriptors that state their own limit need the admin password "
          "(server.admin_password): " +
              std::string(how) + ", or use the limits of envoy.config"};
}

RlsStatus RlsHandler::Plan(const Request& request, const EnvoyLimits* limits,
                           std::vector<Item>& items) {
  const config::EnvoyDomain* domain =
      limits != nullptr ? limits->rules().FindDomain(request.domain()) : nullptr;
  const std::int64_t request_cost = request.hits_addend() == 0 ? 1 : request.hits_addend();
  std::vector<std::string_view> replaced;
  boost::container::small_vector<std::string_view, 4> names(
      static_cast<std::size_t>(request.descriptors_size()));
  items.resize(names.size());
  boost::container::small_vector<config::EnvoyEntry, 4> entries;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Descriptor& d = request.descriptors(static_cast<int>(i));
    Item& item = items[i];
    item.cost =
        d.has_hits_addend() ? static_cast<std::int64_t>(d.hits_addend().value()) : request_cost;
    if (domain == nullptr) continue;  // an unknown domain: OK, as the reference answers
    if (d.has_limit()) {
      const auto unit = static_cast<EnvoyUnit>(static_cast<int>(d.limit().unit()));
      item.own_reported.push_back({"", d.limit().requests_per_unit(), unit});
      item.reported = &item.own_reported;
      if (d.limit().requests_per_unit() == 0) {
        item.blocks = true;
        item.block_window_seconds = EnvoyUnitSeconds(unit);
      } else if (!(item.limit = OverrideLimit(d.limit().requests_per_unit(), unit))) {
        return {RlsStatus::Code::kInvalidArgument,
                fmt::format("descriptor {}: the override's requests_per_unit is above {}", i,
                            limits::kMaxAmount)};
      }
      item.key = CounterKey(request.domain(), d, nullptr);
      continue;
    }
    entries.clear();
    for (const auto& e : d.entries()) entries.push_back({e.key(), e.value()});
    const config::EnvoyMatch match = limits->rules().Match(*domain, entries);
    if (match.rule == nullptr) continue;
    const EnvoyRuleLimit& rule = limits->For(*match.rule);
    const config::EnvoyRateLimit& rl = *match.rule->rate_limit;
    names[i] = rl.name;
    replaced.insert(replaced.end(), rl.replaces.begin(), rl.replaces.end());
    item.unlimited = rule.unlimited;
    item.blocks = rule.blocks;
    item.block_window_seconds = rule.block_window_seconds;
    item.limit = rule.limit;
    item.reported = &rule.reported;
    item.shadow = match.rule->shadow_mode;
    item.quota = match.rule->quota_mode;
    if (item.limit) item.key = CounterKey(request.domain(), d, &match);
  }
  // A rule named in another matched rule's `replaces` is dropped: OK, no limit.
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (names[i].empty() ||
        std::find(replaced.begin(), replaced.end(), names[i]) == replaced.end()) {
      continue;
    }
    items[i] = Item{};
  }
  return {};
}

storage::Pending<RlsStatus> RlsHandler::Start(const Request& request, Response& response) {
  if (std::string why = Invalid(request); !why.empty()) {
    return RlsStatus{RlsStatus::Code::kInvalidArgument, std::move(why)};
  }
  Run run;
  run.request = &request;
  run.response = &response;
  run.limits = decider_.envoy();
  run.items.swap(spare_);
  if (RlsStatus planned = Plan(request, run.limits.get(), run.items);
      planned.code != RlsStatus::Code::kOk) {
    run.status = std::move(planned);
  } else {
    // A descriptor alone is hit at once (its rates are all or nothing by themselves); with
    // others beside it, every one is checked or tested first.
    run.test_all = std::count_if(run.items.begin(), run.items.end(), [](const Item& item) {
                     return item.Decides() || item.blocks;
                   }) > 1;
    if (!Advance(run)) return Finish(std::move(run));
  }
  for (Item& item : run.items) item.Clear();
  run.items.swap(spare_);
  return std::move(run.status);
}

void RlsHandler::Settle(Run& run, Item& item, Answer answer) {
  if (answer.kind == Answer::Kind::kError && answer.error == protocol::ErrorCode::kStorageFull) {
    run.status = {RlsStatus::Code::kResourceExhausted,
                  fmt::format("storage_full: {}", answer.message)};
  } else if (answer.kind == Answer::Kind::kError) {
    run.status = {RlsStatus::Code::kUnavailable,
                  fmt::format("the storage failed: {}", answer.message)};
  }
  item.answer = std::move(answer);
}

bool RlsHandler::DecideItem(Run& run, Item& item, Verb verb, std::int64_t cost) {
  if (run.arrived) {
    Settle(run, item, std::move(*run.arrived));
    run.arrived.reset();
    return true;
  }
  storage::Pending<Answer> pending = decider_.Decide(verb, item.limit, item.key, cost, protocol_);
  if (!pending.ready()) {
    run.wait = std::move(pending).Wait();
    return false;
  }
  Settle(run, item, std::move(pending).value());
  return true;
}

bool RlsHandler::Advance(Run& run) {
  using Phase = Run::Phase;
  constexpr auto kOk = RlsStatus::Code::kOk;
  std::vector<Item>& items = run.items;
  for (;;) {
    switch (run.phase) {
      case Phase::kChecks:
        // 1. Checks, and tests when several descriptors decide: nothing is taken yet.
        for (; run.at < items.size(); ++run.at) {
          Item& item = items[run.at];
          if (!run.arrived && (!item.Decides() || (item.cost > 0 && !run.test_all))) continue;
          const Verb verb = item.cost == 0 ? Verb::kStats : Verb::kTest;
          if (!DecideItem(run, item, verb, item.cost == 0 ? 1 : item.cost)) return false;
          if (run.status.code != kOk) {
            run.phase = Phase::kDone;
            return true;
          }
        }
        // 2. The hits, when nothing said no.
        run.at = 0;
        run.phase = Over(items) ? Phase::kRespond : Phase::kHits;
        break;
      case Phase::kHits: {
        for (; run.at < items.size(); ++run.at) {
          Item& item = items[run.at];
          if (!run.arrived && (!item.Decides() || item.cost == 0)) continue;
          if (!DecideItem(run, item, Verb::kHit, item.cost)) return false;
          if (run.status.code != kOk) break;
          item.taken =
              item.answer->decision.allowed && item.answer->source == Answer::Source::kStorage;
        }
        const bool failed = run.status.code != kOk;
        if (!failed && !Over(items)) {
          run.phase = Phase::kRespond;
        } else if (std::any_of(items.begin(), items.end(),
                               [](const Item& item) { return item.taken; })) {
          // A hit lost a race (or the storage failed half-way): what was taken goes back.
          run.phase = Phase::kGiveBack;
        } else {
          run.phase = failed ? Phase::kDone : Phase::kRespond;
        }
        break;
      }
      case Phase::kGiveBack:
        return false;
      case Phase::kRespond:
        Respond(run);
        run.phase = Phase::kDone;
        return true;
      case Phase::kDone:
        return true;
    }
  }
}

storage::Task<RlsStatus> RlsHandler::Finish(Run run) {
  for (;;) {
    if (run.phase == Run::Phase::kGiveBack) {
      for (Item& item : run.items) {
        if (item.taken) (void)co_await decider_.GiveBack(item.limit, item.key, item.cost);
      }
      run.phase =
          run.status.code != RlsStatus::Code::kOk ? Run::Phase::kDone : Run::Phase::kRespond;
    } else {
      Answer answer = co_await std::move(run.wait);
      run.arrived.emplace(std::move(answer));
    }
    if (Advance(run)) co_return std::move(run.status);
  }
}

void RlsHandler::Respond(const Run& run) {
  Response& response = *run.response;
  // 3. One status per descriptor, in order.
  for (const Item& item : run.items) {
    auto* status = response.add_statuses();
    status->set_code(rls::RateLimitResponse::OK);
    if (item.unlimited) {
      status->set_limit_remaining(std::numeric_limits<std::uint32_t>::max());
      continue;
    }
    if (item.reported == nullptr) continue;  // no rule: OK, no limit
    if (item.blocks) {
      if (!item.shadow) status->set_code(rls::RateLimitResponse::OVER_LIMIT);
      auto* current = status->mutable_current_limit();
      current->set_name(item.reported->front().name);
      current->set_unit(ProtoUnit(item.reported->front().unit));
      SetDuration(status->mutable_duration_until_reset(), item.block_window_seconds * 1000);
      continue;
    }
    if (!item.answer) continue;  // not reached: a check or test said no first
    const limits::Decision& d = item.answer->decision;
    if (!d.allowed && !item.shadow) status->set_code(rls::RateLimitResponse::OVER_LIMIT);
    const ReportedRate& rate = (*item.reported)[std::min(d.binding, item.reported->size() - 1)];
    auto* current = status->mutable_current_limit();
    current->set_name(rate.name);
    current->set_requests_per_unit(rate.requests_per_unit);
    current->set_unit(ProtoUnit(rate.unit));
    status->set_limit_remaining(static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(d.remaining, 0, std::numeric_limits<std::uint32_t>::max())));
    SetDuration(status->mutable_duration_until_reset(), d.reset_ms);
  }
  response.set_overall_code(Over(run.items) ? rls::RateLimitResponse::OVER_LIMIT
                                            : rls::RateLimitResponse::OK);
}

}  // namespace limitsd::server
