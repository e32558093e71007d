#pragma once
// spdlog set-up from the log: section. Components log through named loggers ("server",
// "storage", ...) that share the default logger's sink, level and format.

#include <exception>
#include <string_view>

#include "config/config.h"

namespace spdlog {
class logger;
}

namespace limitsd::server {

/// Configures the default logger (stderr), its level and format (text, or one JSON object
/// per line).
void SetUpLogging(const config::LogConfig& log);

/// Logs the exception held by `error` at error level on `logger`, as "<context>: <what()>",
/// or "<context>: a non-standard exception" when it is not a std::exception. Nothing when
/// `error` is null. Never throws: for completion handlers and catch (...) blocks, where a
/// failure ends one request or connection, not the daemon.
void LogException(spdlog::logger& logger, std::string_view context,
                  const std::exception_ptr& error) noexcept;

}  // namespace limitsd::server
