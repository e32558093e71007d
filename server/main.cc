// limitsd: a standalone rate-limit daemon. See README.md and docs/.

#include <cstdio>
#include <exception>
#include <iostream>

#include "config/command_line.h"
#include "config/command_line_error.h"
#include "server/config_validator.h"
#include "server/daemon.h"
#include "server/logging.h"

namespace {

using limitsd::config::CommandLine;

int Main(int argc, char** argv) {
  limitsd::config::CommandLineOptions options;
  try {
    options = CommandLine::Parse(argc, argv);
  } catch (const limitsd::config::CommandLineError& e) {
    std::cerr << "limitsd: " << e.what() << "\nlimitsd --help lists the options\n";
    return 2;
  }
  if (options.show_help) return std::cout << CommandLine::Usage(), 0;
  if (options.show_version) return std::cout << CommandLine::Version() << "\n", 0;

  auto loaded = CommandLine::Load(options);
  limitsd::config::Diagnostics errors;
  const std::optional<limitsd::server::ValidatedConfig> validated =
      limitsd::server::ConfigValidator::Check(loaded, errors);
  if (!errors.empty() || !validated) {
    std::cerr << limitsd::config::FormatDiagnostics(errors)
              << "limitsd: the configuration has " << errors.size() << " error(s)\n";
    return 1;
  }
  if (options.check) {
    std::cout << loaded.config->source << ": configuration OK\n";
    return 0;
  }
  limitsd::server::SetUpLogging(loaded.config->log);
  try {
    limitsd::server::Daemon daemon(*loaded.config, *validated, options);
    return daemon.Run();
  } catch (const std::exception& e) {
    std::cerr << "limitsd: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
