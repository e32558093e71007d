#pragma once
// One loaded configuration, as the I/O threads decide with it: the storage, the named
// limits, and the settings a reload may change. Immutable; a reload builds a new one and
// hands it to every worker, which swaps it in between two requests. Requests in flight
// keep the generation they started with.

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "config/config.h"
#include "server/backend.h"
#include "server/config_validator.h"
#include "server/decider.h"
#include "server/limit_table.h"
#include "server/password.h"

namespace limitsd::server {

struct Generation {
  std::uint64_t number = 0;  ///< 1 at start-up, then one more per successful reload
  std::shared_ptr<Backend> backend;
  std::shared_ptr<const NamedLimits> limits;
  limits::StrategyKind default_strategy = limits::StrategyKind::kFixedWindow;
  bool allow_inline = true;
  std::int64_t max_inline_window_seconds = LimitTable::kDefaultMaxInlineWindowSeconds;
  std::string max_inline_window = "1 day";  ///< as configured, for messages
  DeciderSettings settings;
  /// The named limits with `shadow: true`.
  std::shared_ptr<const std::set<std::string, std::less<>>> shadowed;
  /// The envoyproxy/ratelimit rules of envoy.config; null when it lists nothing.
  std::shared_ptr<const EnvoyLimits> envoy;
  /// server.password; null when it is not set.
  std::shared_ptr<const Password> password;
  /// server.admin_password; null when it is not set.
  std::shared_ptr<const Password> admin_password;
  /// server.tls's context for new client connections; null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// server.tls's files as `tls` was built from them, for the gRPC port; null: plain.
  std::shared_ptr<const TlsPem> tls_pem;

  static std::shared_ptr<const Generation> Make(const config::Config& config,
                                                const ValidatedConfig& validated,
                                                std::shared_ptr<Backend> backend,
                                                std::uint64_t number);

  /// A limit table of this generation's limits, on the strategies its backend serves (what a
  /// thread that decides starts with; Decider::Apply replaces its contents on a reload).
  LimitTable NewLimitTable() const;
};

}  // namespace limitsd::server
