#pragma once
// The command line (docs/configuration.md):
//   limitsd [--config|-c FILE] [--listen ADDR]... [--storage URI] [--log-level LEVEL]
//   limitsd --check --config FILE
//   limitsd --version | --help
// Flags override the file: `--listen` (repeatable) replaces server.listen, `--storage`
// replaces storage.uri, `--log-level` replaces log.level.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/config_loader.h"

namespace limitsd::config {

struct CommandLineOptions {
  std::optional<std::string> config_file;  ///< --config / -c
  std::vector<ListenAddress> listen;       ///< --listen, parsed; empty: keep the file's
  std::optional<std::string> storage_uri;  ///< --storage
  std::optional<std::string> log_level;    ///< --log-level, one of LogConfig's levels
  bool check = false;                      ///< --check: validate, print errors, exit
  bool show_version = false;               ///< --version
  bool show_help = false;                  ///< --help / -h
};

class CommandLine {
 public:
  /// Parses `args` (args[0] is the program name and is skipped). Checks every value it can
  /// (listen addresses, the log level, the URI's shape, --check needing --config). Throws
  /// CommandLineError on anything wrong.
  static CommandLineOptions Parse(std::span<const char* const> args);
  static CommandLineOptions Parse(int argc, const char* const* argv) {
    return Parse(std::span<const char* const>(argv, static_cast<std::size_t>(argc)));
  }

  /// The --help text: synopsis and every option.
  static std::string Usage(std::string_view program = "limitsd");
  /// The --version text, "limitsd X.Y.Z".
  static std::string Version();

  /// Applies the flags that override the file. Values set by a flag are marked
  /// kFromCommandLine (e.g. StorageConfig::uri_line) for error messages.
  static void ApplyOverrides(const CommandLineOptions& options, Config& config);

  /// The configuration the daemon runs with: the --config file (or the defaults when there
  /// is none, memory:// at 127.0.0.1:7400) with the flags applied.
  static ConfigLoader::Result Load(const CommandLineOptions& options,
                                   const ConfigLoader& loader = ConfigLoader());
};

}  // namespace limitsd::config
