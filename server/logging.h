#pragma once
// spdlog set-up from the log: section. Components log through named loggers ("server",
// "storage", ...) that share the default logger's sink, level and format.

#include "config/config.h"

namespace limitsd::server {

/// Configures the default logger (stderr), its level and format (text, or one JSON object
/// per line).
void SetUpLogging(const config::LogConfig& log);

}  // namespace limitsd::server
