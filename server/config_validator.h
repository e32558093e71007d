#pragma once
// The start-up checks that need several components: rates parse, strategies exist, plugins
// load, the storage scheme is registered, accepts its URI and options, and supports every
// strategy and rate it is asked for.
// Every problem is reported at once, with the file, line and column it was written at.

#include <memory>
#include <optional>

#include "config/config.h"
#include "config/config_loader.h"
#include "config/diagnostic.h"
#include "limits/limit.h"
#include "server/envoy_limits.h"
#include "server/limit_table.h"
#include "server/tls_context.h"
#include "storage/storage_registry.h"
#include "storage/storage_uri.h"

namespace limitsd::server {

/// What the daemon runs with, once the configuration is known to be good.
struct ValidatedConfig {
  std::shared_ptr<const NamedLimits> limits;
  limits::StrategyKind default_strategy = limits::StrategyKind::kFixedWindow;
  storage::StorageUri uri;
  storage::Capabilities capabilities;
  /// The envoyproxy/ratelimit rules of envoy.config; null when it lists nothing.
  std::shared_ptr<const EnvoyLimits> envoy;
  /// max_inline_window in seconds.
  std::int64_t max_inline_window_seconds = LimitTable::kDefaultMaxInlineWindowSeconds;
  /// server.tls's files, read; null when it is not set.
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// What `tls` was built from, for the gRPC port; null when server.tls is not set.
  std::shared_ptr<const TlsPem> tls_pem;
};

class ConfigValidator {
 public:
  /// The one validation of a configuration file, run alike by `--check` and at start-up:
  /// the loader's errors, then Validate() on whatever the loader could read, all appended
  /// to `errors` in file order (config::SortInFileOrder). A ValidatedConfig only when
  /// nothing at all is wrong.
  static std::optional<ValidatedConfig> Check(const config::ConfigLoader::Result& loaded,
                                              config::Diagnostics& errors);

  /// Loads `config.plugins`, then checks the rest, including each storage option (by the
  /// storage's own ValidateOptions, which connects to nothing). Returns nothing when
  /// `errors` got any.
  static std::optional<ValidatedConfig> Validate(const config::Config& config,
                                                 config::Diagnostics& errors);
};

}  // namespace limitsd::server
