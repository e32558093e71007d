#include "server/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace limitsd::server {

void SetUpLogging(const config::LogConfig& log) {
  auto logger = spdlog::stderr_logger_mt("limitsd");
  spdlog::set_default_logger(logger);
  if (log.format == config::LogFormat::kJson) {
    // Messages are ours and never hold a double quote or a control character unescaped:
    // client bytes are not logged.
    spdlog::set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%f%z","level":"%l","logger":"%n","thread":%t,"msg":"%v"})");
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
  }
  spdlog::set_level(spdlog::level::from_str(log.level));
  spdlog::flush_on(spdlog::level::info);
}

void LogException(spdlog::logger& logger, std::string_view context,
                  const std::exception_ptr& error) noexcept {
  if (!error) return;
  // spdlog catches its own failures (a sink's, say) and reports them to its error handler.
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    logger.error("{}: {}", context, e.what());
  } catch (...) {
    logger.error("{}: a non-standard exception", context);
  }
}

}  // namespace limitsd::server
