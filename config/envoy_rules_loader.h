#pragma once
// Reads envoyproxy/ratelimit's YAML configuration files, unchanged, into EnvoyRules: one
// domain per file, `descriptors` nested to any depth. Everything wrong is reported at once,
// each problem as "FILE:LINE:COL: message", as the reference refuses them: an empty or
// duplicate domain, an empty or duplicate key, an unknown key, a unit that is not one, a
// unit beside `unlimited`, `replaces` naming its own rule, `share_threshold` without a
// wildcard. Keys the reference knows and limitsd does not implement (`metadata`,
// `value_to_metric`) are errors naming them. Whether `strategy` and `rate` (limitsd's
// extensions) parse is checked by the server, at the positions recorded here.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/diagnostic.h"
#include "config/env_expander.h"
#include "config/envoy_rules.h"

namespace limitsd::config {

class EnvoyRulesLoader {
 public:
  struct Result {
    std::shared_ptr<const EnvoyRules> rules;  ///< null when `errors` is not empty
    Diagnostics errors;
  };

  EnvoyRulesLoader() = default;
  explicit EnvoyRulesLoader(EnvExpander env) : env_(std::move(env)) {}

  /// Reads `envoy.config`: each path is a file, or a directory whose `*.yaml` and `*.yml`
  /// files are read in name order. `source` is the file that lists them (errors about a
  /// path point there).
  Result Load(const EnvoyConfig& envoy, const std::string& source) const;
  /// Reads YAML text as one file named `file` (for tests and --check).
  Result LoadString(std::string_view yaml, const std::string& file) const;

 private:
  class FileParser;
  EnvExpander env_;
};

}  // namespace limitsd::config
