#pragma once
// Reads the YAML configuration (docs/configuration.md) into a config::Config.
//
// Loading checks everything that can be checked without the other components: the YAML
// syntax, unknown keys, types, ranges, enumerations, listen addresses, limit names and
// `${VAR}` expansion. It reports every problem found, each as "FILE:LINE:COL: message".
// Whether rates parse, strategies exist and the storage scheme is registered and supports
// them is checked by the server, using the positions recorded in the Config.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/diagnostic.h"
#include "config/env_expander.h"

namespace limitsd::config {

class ConfigLoader {
 public:
  /// What was read, and everything wrong with it. `config` is there whenever the YAML
  /// itself could be read, even with errors (what could not be read keeps its default,
  /// and a rejected storage.uri is left empty), so that the checks of the other
  /// components can still run on the rest and every problem is reported at once.
  struct Result {
    std::optional<Config> config;
    Diagnostics errors;
    bool ok() const { return config.has_value() && errors.empty(); }
  };

  /// Expands `${VAR}` from the process environment.
  ConfigLoader() = default;
  explicit ConfigLoader(EnvExpander env) : env_(std::move(env)) {}

  /// Reads and checks a file. Relative plugin paths are resolved against its directory.
  Result LoadFile(const std::filesystem::path& path) const;

  /// Checks YAML text; `source` names it in messages, relative plugin paths are resolved
  /// against `base_dir` (left as written when it is empty).
  Result LoadString(std::string_view yaml, std::string source = "<string>",
                    const std::filesystem::path& base_dir = {}) const;

  /// LoadFile, throwing ConfigError with every problem when there is any.
  Config LoadFileOrThrow(const std::filesystem::path& path) const;

  /// `server.threads` as the daemon uses it: 0 becomes the number of CPUs this process may
  /// use (its affinity mask, capped by its cgroup's CPU quota: UsableCpus).
  static unsigned ResolveThreads(unsigned configured);

 private:
  EnvExpander env_;
};

}  // namespace limitsd::config
