#include "server/reloader.h"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "config/diagnostic.h"

namespace limitsd::server {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("reload");
    return existing ? existing : spdlog::default_logger()->clone("reload");
  }();
  return logger;
}

std::string Addresses(const std::vector<config::ListenAddress>& addresses) {
  std::string out;
  for (const auto& a : addresses) out += (out.empty() ? "" : ", ") + a.text;
  return out;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "none" : out;
}

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Reloader::Reloader(config::CommandLineOptions options, config::Config running,
                   std::shared_ptr<const Generation> generation,
                   std::vector<boost::asio::any_io_executor> executors, Publish publish,
                   ReloadCounters& counters)
    : options_(std::move(options)),
      running_(std::move(running)),
      generation_(std::move(generation)),
      executors_(std::move(executors)),
      publish_(std::move(publish)),
      counters_(counters) {
  backends_.push_back(generation_->backend);
  counters_.last_success_unix.store(UnixNow(), std::memory_order_relaxed);
}

storage::Task<ReloadOutcome> Reloader::Reload(std::string trigger) {
  boost::asio::steady_timer wait(executors_.front());
  while (busy_) {
    wait.expires_after(std::chrono::milliseconds(20));
    co_await wait.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  busy_ = true;
  ReloadOutcome outcome;
  try {
    outcome = co_await ReloadNow(trigger);
  } catch (const std::exception& e) {
    outcome = Fail(trigger, std::string("unexpected error: ") + e.what() + "\n");
  }
  busy_ = false;
  co_return outcome;
}

storage::Task<ReloadOutcome> Reloader::ReloadNow(const std::string& trigger) {
  if (!options_.config_file) {
    co_return Fail(trigger, "limitsd was started without --config: there is no file to reload");
  }
  config::ConfigLoader::Result loaded = config::CommandLine::Load(options_);
  config::Diagnostics errors;
  const std::optional<ValidatedConfig> validated = ConfigValidator::Check(loaded, errors);
  if (!errors.empty() || !validated) {
    std::string message = config::FormatDiagnostics(errors);
    message += "the configuration has " + std::to_string(errors.size()) +
               " error(s); still running the previous one\n";
    co_return Fail(trigger, std::move(message));
  }
  config::Config next = std::move(*loaded.config);
  const bool file_tls = next.server.tls.has_value();
  const bool password_changed = next.server.password != running_.server.password;
  const bool admin_password_changed = next.server.admin_password != running_.server.admin_password;
  KeepRestartOnly(next);
  ValidatedConfig checked = *validated;
  // TLS on or off needs a restart (the running context stays); new files for it do not.
  if (file_tls != next.server.tls.has_value()) {
    checked.tls = generation_->tls;
    checked.tls_pem = generation_->tls_pem;
  }
  std::shared_ptr<Backend> backend;
  try {
    backend = Backend::Open(next, validated->uri, executors_, generation_->backend);
  } catch (const std::exception& e) {
    co_return Fail(trigger, std::string("cannot open the storage: ") + e.what() +
                             "; still running the previous configuration\n");
  }
  const bool new_storage = !backend->SharesStorageWith(*generation_->backend);
  if (new_storage) {
    backends_.push_back(backend);  // kept until exit, whatever happens next
    const bool answers = co_await backend->Contact("reload");
    if (!answers && next.storage.connect_required) {
      co_return Fail(trigger, "the new storage " + backend->storage().Describe() +
                                  " does not answer (storage.connect: require); still running "
                                  "the previous configuration\n");
    }
  }
  auto generation = Generation::Make(next, checked, std::move(backend), generation_->number + 1);
  std::string changes = DescribeChanges(*generation_->limits, *generation->limits);
  if (new_storage) changes += "; storage " + generation->backend->storage().Describe() + " opened";
  if (password_changed)
    changes += next.server.password ? "; server.password set" : "; server.password removed";
  if (admin_password_changed) {
    changes += next.server.admin_password ? "; server.admin_password set"
                                          : "; server.admin_password removed";
  }
  if (generation->tls) changes += "; server.tls certificate read again";
  if (next.log.level != running_.log.level) {
    spdlog::set_level(spdlog::level::from_str(next.log.level));
    changes += "; log.level " + next.log.level;
  }
  publish_(generation);
  generation_ = std::move(generation);
  running_ = std::move(next);
  counters_.succeeded.fetch_add(1, std::memory_order_relaxed);
  counters_.last_success_unix.store(UnixNow(), std::memory_order_relaxed);
  Log()->info("configuration reloaded ({}) from {}: {}", trigger, running_.source, changes);
  co_return ReloadOutcome{true, "reloaded: " + changes + "\n"};
}

ReloadOutcome Reloader::Fail(std::string_view trigger, std::string message) {
  counters_.failed.fetch_add(1, std::memory_order_relaxed);
  Log()->error("configuration reload ({}) failed:\n{}", trigger, message);
  return {false, std::move(message)};
}

void Reloader::KeepRestartOnly(config::Config& next) const {
  std::vector<std::string> ignored;
  auto differs = [&](bool changed, std::string what, const std::string& running,
                     const std::string& wanted) {
    if (!changed) return;
    ignored.push_back(what + " changed (running " + running + ", file says " + wanted + ")");
  };
  const config::ServerConfig& was = running_.server;
  const config::ServerConfig& now = next.server;
  differs(Addresses(was.listen) != Addresses(now.listen), "server.listen", Addresses(was.listen),
          Addresses(now.listen));
  differs(was.threads != now.threads, "server.threads", std::to_string(was.threads),
          std::to_string(now.threads));
  differs(was.max_connections != now.max_connections, "server.max_connections",
          std::to_string(was.max_connections), std::to_string(now.max_connections));
  differs(was.max_line_bytes != now.max_line_bytes, "server.max_line_bytes",
          std::to_string(was.max_line_bytes), std::to_string(now.max_line_bytes));
  differs(was.idle_timeout_ms != now.idle_timeout_ms, "server.idle_timeout_ms",
          std::to_string(was.idle_timeout_ms), std::to_string(now.idle_timeout_ms));
  differs(running_.admin.listen != next.admin.listen, "admin.listen",
          running_.admin.listen.empty() ? "off" : running_.admin.listen,
          next.admin.listen.empty() ? "off" : next.admin.listen);
  const config::HttpConfig& http_was = running_.http;
  const config::HttpConfig& http_now = next.http;
  differs(http_was.listen != http_now.listen, "http.listen",
          http_was.listen.empty() ? "off" : http_was.listen,
          http_now.listen.empty() ? "off" : http_now.listen);
  differs(http_was.max_header_bytes != http_now.max_header_bytes, "http.max_header_bytes",
          std::to_string(http_was.max_header_bytes), std::to_string(http_now.max_header_bytes));
  differs(http_was.max_body_bytes != http_now.max_body_bytes, "http.max_body_bytes",
          std::to_string(http_was.max_body_bytes), std::to_string(http_now.max_body_bytes));
  differs(running_.grpc.listen != next.grpc.listen, "grpc.listen",
          running_.grpc.listen.empty() ? "off" : running_.grpc.listen,
          next.grpc.listen.empty() ? "off" : next.grpc.listen);
  differs(was.tls.has_value() != now.tls.has_value(), "server.tls", was.tls ? "on" : "off",
          now.tls ? "on" : "off");
  differs(running_.plugins != next.plugins, "plugins", Joined(running_.plugins),
          Joined(next.plugins));
  differs(running_.log.format != next.log.format, "log.format",
          running_.log.format == config::LogFormat::kJson ? "json" : "text",
          next.log.format == config::LogFormat::kJson ? "json" : "text");
  for (const std::string& what : ignored) {
    Log()->warn("{}, but only a restart applies it; keeping the running value", what);
  }
  // A reload applies server.password and server.admin_password, and server.tls's files
  // (not turning TLS on or off).
  std::optional<std::string> password = std::move(next.server.password);
  std::optional<std::string> admin_password = std::move(next.server.admin_password);
  std::optional<config::TlsConfig> tls = std::move(next.server.tls);
  const bool tls_kept = tls.has_value() == running_.server.tls.has_value();
  next.server = running_.server;
  next.server.password = std::move(password);
  next.server.admin_password = std::move(admin_password);
  if (tls_kept) next.server.tls = std::move(tls);
  next.admin = running_.admin;
  next.http = running_.http;
  next.grpc = running_.grpc;
  next.plugins = running_.plugins;
  next.plugin_marks = running_.plugin_marks;
  next.log.format = running_.log.format;
}

std::string Reloader::DescribeChanges(const NamedLimits& before, const NamedLimits& after) {
  int added = 0, removed = 0, changed = 0;
  for (const auto& [name, limit] : after) {
    const auto it = before.find(name);
    if (it == before.end()) {
      ++added;
    } else if (it->second->Describe() != limit->Describe()) {
      ++changed;  // its storage keys name the new rates: it starts with fresh counters
    }
  }
  for (const auto& [name, limit] : before) removed += after.contains(name) ? 0 : 1;
  return std::to_string(after.size()) + " named limit(s): " + std::to_string(added) +
         " added, " + std::to_string(changed) + " changed (fresh counters), " +
         std::to_string(removed) + " removed";
}

}  // namespace limitsd::server
