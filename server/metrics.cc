#include "server/metrics.h"

namespace limitsd::server {
namespace {

void Line(std::string& out, const char* name, const char* type, long long value) {
  out += "# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

std::string Metrics::Render() const {
  std::string out;
  auto get = [](const auto& counter) {
    return static_cast<long long>(counter.load(std::memory_order_relaxed));
  };
  Line(out, "limitsd_connections_accepted_total", "counter", get(connections_accepted));
  Line(out, "limitsd_connections_rejected_total", "counter", get(connections_rejected));
  Line(out, "limitsd_connections_open", "gauge", get(connections_open));
  Line(out, "limitsd_requests_total", "counter", get(requests));
  Line(out, "limitsd_decisions_allowed_total", "counter", get(allowed));
  Line(out, "limitsd_decisions_denied_total", "counter", get(denied));
  Line(out, "limitsd_errors_total", "counter", get(errors));
  Line(out, "limitsd_storage_errors_total", "counter", get(storage_errors));
  Line(out, "limitsd_local_decisions_total", "counter", get(local_decisions));
  return out;
}

}  // namespace limitsd::server
