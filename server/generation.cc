#include "server/generation.h"

namespace limitsd::server {

std::shared_ptr<const Generation> Generation::Make(const config::Config& config,
                                                   const ValidatedConfig& validated,
                                                   std::shared_ptr<Backend> backend,
                                                   std::uint64_t number) {
  auto generation = std::make_shared<Generation>();
  generation->number = number;
  generation->backend = std::move(backend);
  generation->limits = validated.limits;
  generation->default_strategy = validated.default_strategy;
  generation->allow_inline = config.allow_inline_limits;
  generation->settings = {config.allow_reset, config.storage.on_error,
                          static_cast<std::int64_t>(config.storage.timeout_ms)};
  return generation;
}

}  // namespace limitsd::server
