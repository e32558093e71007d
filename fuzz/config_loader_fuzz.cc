// libFuzzer target: the YAML loaders over arbitrary bytes: limitsd.yaml (ConfigLoader) when
// the first byte is even, an envoyproxy/ratelimit rule file (EnvoyRulesLoader) when it is
// odd. `${VAR}` expands from a fixed table, never the process environment. Checks, besides
// the sanitizers: a load either succeeds or says what is wrong, each problem with a
// message and a place in the file, and loaded rules are numbered as documented.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_loader.h"
#include "config/diagnostic.h"
#include "config/env_expander.h"
#include "config/envoy_rules_loader.h"

namespace {

using limitsd::config::Diagnostics;

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

limitsd::config::EnvExpander FixedEnvironment() {
  return limitsd::config::EnvExpander([](const std::string& name) -> std::optional<std::string> {
    if (name == "LIMITSD_PORT") return "7000";
    if (name == "LIMITSD_URI") return "memory://";
    return std::nullopt;
  });
}

void CheckErrors(const Diagnostics& errors, std::string_view file) {
  for (const auto& error : errors) {
    Check(!error.message.empty());
    Check(error.file == file);
    Check(error.line >= 0 && error.column >= 0);
  }
  Check(limitsd::config::FormatDiagnostics(errors).size() >= errors.size());
}

void LoadConfig(std::string_view yaml) {
  const limitsd::config::ConfigLoader loader(FixedEnvironment());
  const limitsd::config::ConfigLoader::Result result = loader.LoadString(yaml, "fuzz.yaml");
  Check(result.config.has_value() || !result.errors.empty());
  CheckErrors(result.errors, "fuzz.yaml");
}

void LoadEnvoyRules(std::string_view yaml) {
  const limitsd::config::EnvoyRulesLoader loader(FixedEnvironment());
  const limitsd::config::EnvoyRulesLoader::Result result = loader.LoadString(yaml, "rules.yaml");
  Check((result.rules == nullptr) == !result.errors.empty());
  CheckErrors(result.errors, "rules.yaml");
  if (!result.rules) return;
  const auto& rules = result.rules->rules();
  for (std::size_t i = 0; i < rules.size(); ++i) Check(rules[i]->id == i);
  for (const auto& domain : result.rules->domains()) {
    Check(result.rules->FindDomain(domain.name) == &domain);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view yaml(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    LoadConfig(yaml);
  } else {
    LoadEnvoyRules(yaml);
  }
  return 0;
}
