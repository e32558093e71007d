#include "server/metrics.h"

#include <cstdio>

#include "server/process_metrics.h"
#include "storage/storage_error.h"

namespace limitsd::server {
namespace {

using Buckets = std::array<std::uint64_t, Histogram::kBoundsNs.size() + 1>;

constexpr std::array<std::string_view, kRequestResults> kResultNames = {"ok", "allowed",
                                                                        "denied", "error"};
constexpr std::array<std::string_view, kStorageErrorKinds> kStorageErrorNames = {
    "unavailable", "timeout",   "protocol", "contention", "overloaded",
    "unsupported", "too_large", "internal", "circuit_open", "full", "other"};

void Family(std::string& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string& out, std::string_view name, std::string_view labels,
            std::uint64_t value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(std::to_string(value)).append("\n");
}

// Label values are ours or configured limit names; escape anyway, as the format says.
std::string Escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string Label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + Escaped(value) + "\"";
}

std::string VerbLabel(std::size_t verb) {
  if (verb == kRequestVerbs - 1) return "invalid";
  std::string name(protocol::VerbName(static_cast<protocol::Verb>(verb)));
  for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return name;
}

std::string Seconds(std::uint64_t ns) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", static_cast<double>(ns) / 1e9);
  return text;
}

void RenderHistogram(std::string& out, std::string_view name, const std::string& labels,
                     const Buckets& buckets, std::uint64_t sum_ns, std::uint64_t count) {
  const std::string prefix = labels.empty() ? "" : labels + ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    cumulative += buckets[i];
    const std::string le =
        i < Histogram::kBoundsNs.size() ? Seconds(Histogram::kBoundsNs[i]) : "+Inf";
    Sample(out, std::string(name) + "_bucket", prefix + "le=\"" + le + "\"", cumulative);
  }
  out.append(name).append("_sum");
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(Seconds(sum_ns)).append("\n");
  Sample(out, std::string(name) + "_count", labels, count);
}

}  // namespace

std::string_view ProtocolName(Protocol protocol) noexcept {
  switch (protocol) {
    case Protocol::kLine: return "line";
    case Protocol::kResp: return "resp";
    case Protocol::kHttp: return "http";
    case Protocol::kGrpc: return "grpc";
  }
  return "line";
}

void Histogram::Observe(std::chrono::nanoseconds duration, std::uint64_t n) noexcept {
  const std::int64_t ns = duration.count() < 0 ? 0 : duration.count();
  std::size_t i = 0;
  while (i < kBoundsNs.size() && ns > kBoundsNs[i]) ++i;
  buckets_[i].Add(n);
  sum_ns_.Add(static_cast<std::uint64_t>(ns) * n);
  count_.Add(n);
}

void Histogram::AddTo(Buckets& buckets, std::uint64_t& sum_ns, std::uint64_t& count) const noexcept {
  for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += buckets_[i].Get();
  sum_ns += sum_ns_.Get();
  count += count_.Get();
}

void ThreadMetrics::StorageError(std::error_code error) noexcept {
  std::size_t kind = kStorageErrorKinds - 1;
  if (error.category() == storage::StorageCategory() && error.value() >= 1 &&
      static_cast<std::size_t>(error.value()) < kStorageErrorKinds) {
    kind = static_cast<std::size_t>(error.value()) - 1;
  }
  storage_errors_[kind].Add();
}

LimitCounters& ThreadMetrics::Limit(std::string_view label) {
  std::lock_guard lock(limits_mutex_);
  auto it = limits_.find(label);
  if (it == limits_.end()) it = limits_.try_emplace(std::string(label)).first;
  return it->second;
}

ThreadMetrics& Metrics::AddThread() { return threads_.emplace_back(); }

void Metrics::AddSource(std::function<void(std::string&)> source) {
  sources_.push_back(std::move(source));
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(16 * 1024);
  Family(out, "limitsd_build_info", "gauge", "The running limitsd's version; always 1.");
  Sample(out, "limitsd_build_info", Label("version", LIMITSD_VERSION), 1);
  RenderRequests(out);
  RenderDecisions(out);
  RenderLatency(out);
  RenderStorage(out);
  RenderAuth(out);
  Family(out, "limitsd_connections_accepted_total", "counter",
         "Client connections accepted, on every listener.");
  Sample(out, "limitsd_connections_accepted_total", "", connections_accepted.load());
  Family(out, "limitsd_connections_rejected_total", "counter",
         "Client connections refused because server.max_connections were open.");
  Sample(out, "limitsd_connections_rejected_total", "", connections_rejected.load());
  Family(out, "limitsd_connections_open", "gauge", "Client connections open now.");
  const std::int64_t open = connections_open.load();
  Sample(out, "limitsd_connections_open", "", open < 0 ? 0 : static_cast<std::uint64_t>(open));
  for (const auto& source : sources_) source(out);
  RenderProcessMetrics(out);
  return out;
}

void Metrics::RenderRequests(std::string& out) const {
  Family(out, "limitsd_requests_total", "counter",
         "Requests answered, by front door, verb and result (ok, allowed, denied, error); "
         "verb=\"invalid\" counts requests the parser refused.");
  for (std::size_t p = 0; p < kProtocols; ++p) {
    for (std::size_t v = 0; v < kRequestVerbs; ++v) {
      for (std::size_t r = 0; r < kRequestResults; ++r) {
        std::uint64_t total = 0;
        for (const ThreadMetrics& t : threads_) total += t.requests_[p][v][r].Get();
        if (total == 0) continue;
        Sample(out, "limitsd_requests_total",
               Label("protocol", ProtocolName(static_cast<Protocol>(p))) + "," +
                   Label("verb", VerbLabel(v)) + "," + Label("result", kResultNames[r]),
               total);
      }
    }
  }
  Family(out, "limitsd_request_errors_total", "counter",
         "ERR answers, by front door and error code.");
  for (std::size_t p = 0; p < kProtocols; ++p) {
    for (std::size_t c = 0; c < kErrorCodes; ++c) {
      std::uint64_t total = 0;
      for (const ThreadMetrics& t : threads_) total += t.errors_[p][c].Get();
      if (total == 0) continue;
      Sample(out, "limitsd_request_errors_total",
             Label("protocol", ProtocolName(static_cast<Protocol>(p))) + "," +
                 Label("code", protocol::ErrorCodeName(static_cast<protocol::ErrorCode>(c))),
             total);
    }
  }
}

void Metrics::RenderDecisions(std::string& out) const {
  struct Totals {
    std::uint64_t allowed = 0, denied = 0, shadow = 0, near_limit = 0;
  };
  std::map<std::string, Totals, std::less<>> totals;
  for (const ThreadMetrics& t : threads_) {
    std::lock_guard lock(t.limits_mutex_);
    for (const auto& [label, c] : t.limits_) {
      Totals& sum = totals[label];
      sum.allowed += c.allowed.Get();
      sum.denied += c.denied.Get();
      sum.shadow += c.shadow.Get();
      sum.near_limit += c.near_limit.Get();
    }
  }
  Family(out, "limitsd_decisions_total", "counter",
         "Decisions (HIT, TEST, STATS) by limit and outcome; inline limits are counted under "
         "limit=\"(inline)\"; outcome=\"shadow\" is a denial answered as allowed (shadow mode).");
  for (const auto& [label, sum] : totals) {
    const std::string limit = Label("limit", label);
    Sample(out, "limitsd_decisions_total", limit + ",outcome=\"allowed\"", sum.allowed);
    Sample(out, "limitsd_decisions_total", limit + ",outcome=\"denied\"", sum.denied);
    Sample(out, "limitsd_decisions_total", limit + ",outcome=\"shadow\"", sum.shadow);
  }
  Family(out, "limitsd_decisions_near_limit_total", "counter",
         "Allowed decisions that left 20% or less of the binding rate, by limit.");
  for (const auto& [label, sum] : totals) {
    Sample(out, "limitsd_decisions_near_limit_total", Label("limit", label), sum.near_limit);
  }
  std::uint64_t local = 0;
  for (const ThreadMetrics& t : threads_) local += t.local_decisions_.Get();
  Family(out, "limitsd_local_decisions_total", "counter",
         "Decisions made on the daemon's own memory store while the storage failed "
         "(storage.on_error: local).");
  Sample(out, "limitsd_local_decisions_total", "", local);
  std::uint64_t applied = 0, dropped = 0;
  for (const ThreadMetrics& t : threads_) {
    applied += t.handed_back_.Get();
    dropped += t.hand_back_dropped_.Get();
  }
  Family(out, "limitsd_local_hand_back_units_total", "counter",
         "Units admitted by storage.on_error: local and then added to the storage when it "
         "answered again (result=\"applied\"), or not (result=\"dropped\": its windows were "
         "full or over, or too many keys were waiting).");
  Sample(out, "limitsd_local_hand_back_units_total", "result=\"applied\"", applied);
  Sample(out, "limitsd_local_hand_back_units_total", "result=\"dropped\"", dropped);
}

void Metrics::RenderLatency(std::string& out) const {
  Family(out, "limitsd_request_duration_seconds", "histogram",
         "Time from reading a request to writing its reply, by front door.");
  for (std::size_t p = 0; p < kProtocols; ++p) {
    Buckets buckets{};
    std::uint64_t sum = 0, count = 0;
    for (const ThreadMetrics& t : threads_) t.request_latency_[p].AddTo(buckets, sum, count);
    RenderHistogram(out, "limitsd_request_duration_seconds",
                    Label("protocol", ProtocolName(static_cast<Protocol>(p))), buckets, sum,
                    count);
  }
  Family(out, "limitsd_storage_call_duration_seconds", "histogram",
         "Time a decision waited for the storage (calls that complete at once, as on "
         "memory://, are not timed).");
  Buckets buckets{};
  std::uint64_t sum = 0, count = 0;
  for (const ThreadMetrics& t : threads_) t.storage_latency_.AddTo(buckets, sum, count);
  RenderHistogram(out, "limitsd_storage_call_duration_seconds", "", buckets, sum, count);
}

void Metrics::RenderStorage(std::string& out) const {
  Family(out, "limitsd_storage_errors_total", "counter",
         "Storage calls that failed, by kind, whatever storage.on_error answered.");
  for (std::size_t k = 0; k < kStorageErrorKinds; ++k) {
    std::uint64_t total = 0;
    for (const ThreadMetrics& t : threads_) total += t.storage_errors_[k].Get();
    Sample(out, "limitsd_storage_errors_total", Label("kind", kStorageErrorNames[k]), total);
  }
  Family(out, "limitsd_storage_circuit_open", "gauge",
         "I/O threads whose circuit breaker holds calls to the storage back (0: none).");
  std::uint64_t open = 0;
  for (const ThreadMetrics& t : threads_) open += t.breaker_open_.load(std::memory_order_relaxed);
  Sample(out, "limitsd_storage_circuit_open", "", open);
}

void Metrics::RenderAuth(std::string& out) const {
  Family(out, "limitsd_auth_failures_total", "counter",
         "Requests refused because server.password or server.admin_password is set, by front "
         "door (admin: POST /reload) and reason (missing: no credentials; wrong: a wrong "
         "password; noperm: a request that needs the admin password from a client without "
         "it).");
  constexpr std::array<std::string_view, kAuthFailures> kReasons = {"missing", "wrong", "noperm"};
  for (std::size_t door = 0; door < kAuthDoors; ++door) {
    const std::string_view name =
        door == kAdminDoor ? "admin" : ProtocolName(static_cast<Protocol>(door));
    for (std::size_t r = 0; r < kAuthFailures; ++r) {
      std::uint64_t total = 0;
      for (const ThreadMetrics& t : threads_) total += t.auth_failures_[door][r].Get();
      Sample(out, "limitsd_auth_failures_total",
             Label("protocol", name) + "," + Label("reason", kReasons[r]), total);
    }
  }
}

}  // namespace limitsd::server
