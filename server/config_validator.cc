#include "server/config_validator.h"

#include "config/envoy_rules_loader.h"
#include "limits/rate_parser.h"
#include "storage/configuration_error.h"
#include "storage/plugin_loader.h"

namespace limitsd::server {
namespace {

using config::Config;
using config::Diagnostics;

void Report(Diagnostics& errors, const Config& config, int line, int column, std::string message) {
  errors.push_back({config.source, line, column, std::move(message)});
}

void LoadPlugins(const Config& config, Diagnostics& errors) {
  for (std::size_t i = 0; i < config.plugins.size(); ++i) {
    const config::SourceMark mark =
        i < config.plugin_marks.size() ? config.plugin_marks[i] : config::SourceMark{};
    try {
      storage::LoadPlugin(config.plugins[i]);
    } catch (const std::exception& e) {
      Report(errors, config, mark.line, mark.column, e.what());
    }
  }
}

std::string KnownSchemes() {
  std::string known;
  for (const std::string& scheme : storage::StorageRegistry::Instance().Schemes()) {
    known += (known.empty() ? "" : ", ") + scheme;
  }
  return known;
}

// The storage's own checks of its URI and options (without connecting), each reported
// where the option was written, or at the URI.
void CheckStorageOptions(const Config& config, const storage::StorageUri& uri,
                         Diagnostics& errors) {
  const auto& s = config.storage;
  storage::StorageContext context;
  context.uri = uri;
  context.options.insert(s.options.begin(), s.options.end());
  context.timeout = storage::Micros(std::int64_t{s.timeout_ms} * 1000);
  for (storage::StorageProblem& problem : storage::StorageRegistry::Instance().Validate(context)) {
    const auto mark = s.option_marks.find(problem.option);
    if (!problem.option.empty() && mark != s.option_marks.end()) {
      Report(errors, config, mark->second.line, mark->second.column, std::move(problem.message));
    } else {
      Report(errors, config, s.uri_line, s.uri_column, std::move(problem.message));
    }
  }
}

std::optional<storage::StorageUri> CheckStorage(const Config& config,
                                                storage::Capabilities& capabilities,
                                                Diagnostics& errors) {
  const auto& s = config.storage;
  if (s.uri.empty()) return std::nullopt;  // refused by the loader, which said why
  // The scheme first: an unknown one is the error to report, not its URI's shape.
  const std::string scheme = storage::SchemeOf(s.uri);
  const storage::SchemeInfo* info = storage::StorageRegistry::Instance().Find(scheme);
  if (info == nullptr && !scheme.empty()) {
    Report(errors, config, s.uri_line, s.uri_column,
           "unknown storage scheme '" + scheme + "' in storage.uri; known schemes: " +
               KnownSchemes() + " (a plugin may add more: see plugins)");
    return std::nullopt;
  }
  try {
    // Throws for an empty scheme, the one case `info` is null here.
    storage::StorageUri uri = storage::ParseStorageUri(s.uri);
    capabilities = info->capabilities;
    CheckStorageOptions(config, uri, errors);
    return uri;
  } catch (const storage::ConfigurationError& e) {
    Report(errors, config, s.uri_line, s.uri_column, e.what());
    return std::nullopt;
  }
}

std::optional<limits::StrategyKind> CheckStrategy(const Config& config, std::string_view name,
                                                  int line, int column, Diagnostics& errors) {
  if (auto kind = limits::StrategyFromName(name)) return kind;
  Report(errors, config, line, column,
         "unknown strategy '" + std::string(name) + "'; use one of " +
             strategy::StrategyNames());
  return std::nullopt;
}

void CheckSupport(const Config& config, const std::optional<storage::StorageUri>& uri,
                  const storage::Capabilities& caps, limits::StrategyKind kind,
                  std::string_view what, int line, int column, Diagnostics& errors) {
  if (!uri || caps.Supports(kind)) return;
  Report(errors, config, line, column,
         std::string(what) + " uses strategy " + std::string(storage::StrategyName(kind)) +
             ", which storage '" + uri->scheme + "' does not support (it supports " +
             caps.Describe() + "); choose another strategy or another storage");
}

}  // namespace

std::optional<ValidatedConfig> ConfigValidator::Validate(const Config& config,
                                                         Diagnostics& errors) {
  const std::size_t errors_before = errors.size();
  LoadPlugins(config, errors);
  ValidatedConfig out;
  const std::optional<storage::StorageUri> uri = CheckStorage(config, out.capabilities, errors);
  const auto default_strategy = CheckStrategy(config, config.strategy, config.strategy_line,
                                              config.strategy_column, errors);
  auto named = std::make_shared<NamedLimits>();
  for (const config::LimitConfig& lc : config.limits) {
    if (lc.rate.empty()) continue;  // missing or refused: the loader said so
    limits::RateParseResult rates = limits::ParseRates(lc.rate);
    if (!rates.ok()) Report(errors, config, lc.rate_line, lc.rate_column, rates.error);
    std::optional<limits::StrategyKind> kind = default_strategy;
    if (!lc.strategy.empty()) {
      kind = CheckStrategy(config, lc.strategy, lc.strategy_line, lc.strategy_column, errors);
    }
    if (!kind || !rates.ok()) continue;
    if (auto problem = limits::CheckLimit(*kind, rates.items, lc.burst)) {
      Report(errors, config, lc.burst_line ? lc.burst_line : lc.rate_line,
             lc.burst_line ? lc.burst_column : lc.rate_column,
             "limit '" + lc.name + "': " + *problem);
      continue;
    }
    CheckSupport(config, uri, out.capabilities, *kind, "limit '" + lc.name + "'",
                 lc.strategy_line ? lc.strategy_line : lc.line,
                 lc.strategy_line ? lc.strategy_column : lc.column, errors);
    // A rate the storage cannot hold (e.g. a moving window too long for one memcached
    // item) is a start-up error rather than a request-time one.
    for (const limits::RateLimitItem& rate : rates.items) {
      if (!uri) break;
      if (auto problem = storage::StorageRegistry::Instance().CheckLimit(
              uri->scheme, *kind, rate.amount(), rate.Expiry())) {
        Report(errors, config, lc.rate_line, lc.rate_column,
               "limit '" + lc.name + "': " + *problem);
      }
    }
    named->emplace(lc.name, std::make_shared<const limits::Limit>(
                                lc.name, *kind, std::move(rates.items), lc.burst));
  }
  if (const auto window = limits::ParseWindowSeconds(config.max_inline_window)) {
    out.max_inline_window_seconds = *window;
  } else {
    Report(errors, config, config.max_inline_window_line, config.max_inline_window_column,
           "max_inline_window: '" + config.max_inline_window +
               "' is not a window; write it as a rate's, e.g. \"1 day\", \"12 hours\" or "
               "\"30 minutes\" (at most 10 years)");
  }
  if (default_strategy && config.allow_inline_limits) {
    CheckSupport(config, uri, out.capabilities, *default_strategy, "the default strategy",
                 config.strategy_line, config.strategy_column, errors);
  }
  if (!config.envoy.config.empty()) {
    config::EnvoyRulesLoader::Result loaded =
        config::EnvoyRulesLoader().Load(config.envoy, config.source);
    errors.insert(errors.end(), loaded.errors.begin(), loaded.errors.end());
    if (loaded.rules && default_strategy && uri) {
      out.envoy =
          EnvoyLimits::Build(std::move(loaded.rules), *default_strategy, out.capabilities, errors);
    }
  }
  if (config.server.tls) {
    try {
      auto pem = std::make_shared<TlsPem>();
      out.tls = TlsContext::Load(*config.server.tls, pem.get());
      out.tls_pem = std::move(pem);
    } catch (const std::exception& e) {
      Report(errors, config, config.server.tls->mark.line, config.server.tls->mark.column,
             e.what());
    }
  }
  for (std::string& e : storage::StorageRegistry::Instance().TakeErrors()) {
    Report(errors, config, 0, 0, std::move(e));
  }
  if (errors.size() != errors_before || !uri || !default_strategy) return std::nullopt;
  out.limits = std::move(named);
  out.default_strategy = *default_strategy;
  out.uri = *uri;
  return out;
}

std::optional<ValidatedConfig> ConfigValidator::Check(const config::ConfigLoader::Result& loaded,
                                                      Diagnostics& errors) {
  const std::size_t errors_before = errors.size();
  errors.insert(errors.end(), loaded.errors.begin(), loaded.errors.end());
  std::optional<ValidatedConfig> validated;
  if (loaded.config) validated = Validate(*loaded.config, errors);
  config::SortInFileOrder(errors);
  if (errors.size() != errors_before) return std::nullopt;
  return validated;
}

}  // namespace limitsd::server
