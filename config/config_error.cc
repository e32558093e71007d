#include "config/config_error.h"

#include <utility>

namespace limitsd::config {

ConfigError::ConfigError(Diagnostics diagnostics)
    : std::runtime_error(FormatDiagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace limitsd::config
