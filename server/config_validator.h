#pragma once
// The start-up checks that need several components: rates parse, strategies exist, plugins
// load, the storage scheme is registered and supports every strategy it is asked for.
// Every problem is reported at once, with the file, line and column it was written at.

#include <memory>
#include <optional>

#include "config/config.h"
#include "config/diagnostic.h"
#include "limits/limit.h"
#include "server/limit_table.h"
#include "storage/storage_registry.h"
#include "storage/storage_uri.h"

namespace limitsd::server {

/// What the daemon runs with, once the configuration is known to be good.
struct ValidatedConfig {
  std::shared_ptr<const NamedLimits> limits;
  limits::StrategyKind default_strategy = limits::StrategyKind::kFixedWindow;
  storage::StorageUri uri;
  storage::Capabilities capabilities;
};

class ConfigValidator {
 public:
  /// Loads `config.plugins`, then checks the rest. Returns nothing when `errors` got any.
  static std::optional<ValidatedConfig> Validate(const config::Config& config,
                                                 config::Diagnostics& errors);
};

}  // namespace limitsd::server
