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
  generation->max_inline_window_seconds = validated.max_inline_window_seconds;
  generation->max_inline_window = config.max_inline_window;
  generation->envoy = validated.envoy;
  generation->settings.allow_reset = config.allow_reset;
  generation->settings.shadow_all = config.shadow;
  generation->settings.on_error = config.storage.on_error;
  generation->settings.timeout_ms = static_cast<std::int64_t>(config.storage.timeout_ms);
  auto shadowed = std::make_shared<std::set<std::string, std::less<>>>();
  for (const config::LimitConfig& limit : config.limits) {
    if (limit.shadow) shadowed->insert(limit.name);
  }
  generation->shadowed = std::move(shadowed);
  generation->tls = validated.tls;
  generation->tls_pem = validated.tls_pem;
  if (config.server.password) {
    generation->password = std::make_shared<const Password>(*config.server.password);
  }
  if (config.server.admin_password) {
    generation->admin_password = std::make_shared<const Password>(*config.server.admin_password);
  }
  return generation;
}

LimitTable Generation::NewLimitTable() const {
  LimitTable table(
      limits, default_strategy, allow_inline,
      [limiter = &backend->limiter()](limits::StrategyKind kind) { return limiter->Serves(kind); });
  table.SetMaxInlineWindow(max_inline_window_seconds, max_inline_window);
  return table;
}

}  // namespace limitsd::server
