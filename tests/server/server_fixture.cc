#include "tests/server/server_fixture.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "config/diagnostic.h"
#include "server/config_validator.h"

namespace limitsd::server::testing {
namespace {

ValidatedConfig Validate(const config::Config& config) {
  config::Diagnostics errors;
  std::optional<ValidatedConfig> validated = ConfigValidator::Validate(config, errors);
  if (!validated || !errors.empty()) {
    ADD_FAILURE() << config::FormatDiagnostics(errors);
    throw std::runtime_error("the test configuration does not validate");
  }
  return std::move(*validated);
}

}  // namespace

std::uint64_t SampleOf(const std::string& page, const std::string& series) {
  const std::string line = series + " ";
  std::size_t at = page.rfind("\n" + line);
  if (at == std::string::npos && page.rfind(line, 0) == 0) at = 0; else if (at != std::string::npos) ++at;
  if (at == std::string::npos) {
    ADD_FAILURE() << series << " is not in the page:\n" << page;
    return 0;
  }
  return std::stoull(page.substr(at + line.size()));
}

config::Config LoadConfig(const std::string& yaml) {
  config::ConfigLoader::Result loaded = config::ConfigLoader().LoadString(yaml, "test.yaml");
  if (!loaded.ok()) {
    ADD_FAILURE() << config::FormatDiagnostics(loaded.errors);
    throw std::runtime_error("the test configuration does not load");
  }
  return std::move(*loaded.config);
}

std::shared_ptr<const Generation> MakeGeneration(const std::string& yaml,
                                                 std::shared_ptr<const Generation> previous,
                                                 std::uint64_t number) {
  const config::Config config = LoadConfig(yaml);
  const ValidatedConfig validated = Validate(config);
  auto backend = Backend::Open(config, validated.uri, {}, previous ? previous->backend : nullptr);
  return Generation::Make(config, validated, std::move(backend), number);
}

}  // namespace limitsd::server::testing
