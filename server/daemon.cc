#include "server/daemon.h"
#include "server/rls_json_endpoint.h"

#include <spdlog/spdlog.h>

#include <future>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "server/http_api_endpoints.h"
#include "server/password.h"
#include "storage/storage_registry.h"

namespace limitsd::server {
namespace {

constexpr std::chrono::seconds kDrainGrace{10};
constexpr std::chrono::milliseconds kDrainPoll{20};

const char* OnErrorName(config::OnError on_error) {
  switch (on_error) {
    case config::OnError::kError: return "error";
    case config::OnError::kDeny: return "deny";
    case config::OnError::kAllow: return "allow";
    case config::OnError::kLocal: return "local";
  }
  return "error";
}

void RenderReloads(const ReloadCounters& reloads, std::string& out) {
  auto get = [](const auto& counter) { return std::to_string(counter.load(std::memory_order_relaxed)); };
  out += "# HELP limitsd_config_reloads_total Configuration reloads, by result.\n"
         "# TYPE limitsd_config_reloads_total counter\n"
         "limitsd_config_reloads_total{result=\"success\"} " + get(reloads.succeeded) + "\n"
         "limitsd_config_reloads_total{result=\"failure\"} " + get(reloads.failed) + "\n"
         "# HELP limitsd_config_last_reload_success_timestamp_seconds When the running "
         "configuration was loaded.\n"
         "# TYPE limitsd_config_last_reload_success_timestamp_seconds gauge\n"
         "limitsd_config_last_reload_success_timestamp_seconds " +
         get(reloads.last_success_unix) + "\n";
}

}  // namespace

Daemon::Daemon(const config::Config& config, const ValidatedConfig& validated,
               const config::CommandLineOptions& options)
    : pool_(config.server.threads),
      signals_(pool_.at(0), SIGINT, SIGTERM),
      reload_signals_(pool_.at(0), SIGHUP),
      drain_timer_(pool_.at(0)) {
  metrics_.AddSource([this](std::string& out) { RenderReloads(reloads_, out); });
  metrics_.AddSource([this](std::string& out) { RenderDenyCache(out); });
  metrics_.AddSource([this](std::string& out) {
    if (reloader_) reloader_->generation()->backend->storage().RenderMetrics(out);
  });
  BuildStorage(config, validated, options);
  ContactStorage(config);
  BuildWorkers(config);
  std::vector<Worker*> workers;
  for (auto& worker : workers_) workers.push_back(worker.get());
  listener_ = std::make_unique<Listener>(pool_.at(0), workers, config.server.max_connections);
  listener_->Bind(config.server.listen);
  if (config.admin.address) {
    admin_ = std::make_unique<AdminServer>(pool_.at(0), MakeAdminHooks(), config.admin);
    admin_->Bind(*config.admin.address);
  }
  if (config.grpc.address) {
    grpc_ = std::make_unique<GrpcServer>(workers, reloader_->generation());
    grpc_->Start(*config.grpc.address, reloader_->generation()->tls_pem);
  }
  StartConfigWatcher();
  if (config.http.address) BuildHttp(config);
}

Daemon::~Daemon() {
  // Connections and workers go before the storages they use, the storages before the pool.
  grpc_.reset();
  listener_.reset();
  admin_.reset();
  watcher_.reset();
  http_.reset();
  workers_.clear();
  reloader_.reset();
}

void Daemon::BuildStorage(const config::Config& config, const ValidatedConfig& validated,
                          const config::CommandLineOptions& options) {
  auto backend = Backend::Open(config, validated.uri, pool_.Executors());
  auto generation = Generation::Make(config, validated, std::move(backend), 1);
  reloader_ = std::make_unique<Reloader>(
      options, config, std::move(generation), pool_.Executors(),
      [this](std::shared_ptr<const Generation> next) { Publish(next); }, reloads_);
}

// Scraped on the admin endpoint's thread, which is the reloader's: the generation is stable.
void Daemon::RenderDenyCache(std::string& out) const {
  const std::uint64_t hits =
      reloader_ ? reloader_->generation()->backend->storage().DenyCacheHits() : 0;
  out += "# HELP limitsd_deny_cache_hits_total Denied HITs answered from this daemon's memory of "
         "recent denials, without asking the storage (redis only).\n"
         "# TYPE limitsd_deny_cache_hits_total counter\n"
         "limitsd_deny_cache_hits_total " + std::to_string(hits) + "\n";
}

// Before serving: a wrong host or password shows in the log at once, not at the first
// request; with storage.connect: require it stops the start.
void Daemon::ContactStorage(const config::Config& config) {
  boost::asio::io_context& io = pool_.at(0);
  std::future<bool> answers = boost::asio::co_spawn(
      io, reloader_->generation()->backend->Contact("start-up"), boost::asio::use_future);
  while (answers.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    io.run_one_for(std::chrono::milliseconds(100));
  }
  if (!answers.get() && config.storage.connect_required) {
    throw std::runtime_error("the storage " +
                             reloader_->generation()->backend->storage().Describe() +
                             " does not answer and storage.connect is require: not starting");
  }
}

void Daemon::BuildWorkers(const config::Config& config) {
  ConnectionSettings connection{config.server.max_line_bytes,
                                std::chrono::milliseconds(config.server.idle_timeout_ms)};
  for (std::size_t i = 0; i < pool_.size(); ++i) {
    workers_.push_back(std::make_unique<Worker>(pool_.at(i), reloader_->generation(),
                                                connection, metrics_));
  }
}

// Each worker swaps the new generation in on its own thread, between two requests.
void Daemon::Publish(const std::shared_ptr<const Generation>& generation) {
  for (auto& worker : workers_) {
    boost::asio::post(worker->io(), [w = worker.get(), generation] { w->Apply(generation); });
  }
  if (grpc_) {
    grpc_->Apply(generation);
    grpc_->Renew(generation->tls_pem);  // server.tls's files, read again
  }
}

void Daemon::StartConfigWatcher() {
  const std::string file = reloader_->file();
  if (file.empty()) return;
  try {
    watcher_ = std::make_unique<ConfigWatcher>(pool_.at(0), file, [this] {
      boost::asio::co_spawn(pool_.at(0), Reload("a watched file changed"), boost::asio::detached);
    });
    watcher_->Follow(reloader_->running().envoy.config);
  } catch (const std::exception& e) {
    spdlog::warn("not watching {} for changes ({}); reload with SIGHUP or POST /reload", file,
                 e.what());
  }
}

storage::Task<ReloadOutcome> Daemon::Reload(std::string trigger) {
  ReloadOutcome outcome = co_await reloader_->Reload(std::move(trigger));
  // The file may name other Envoy rule files now: follow those.
  if (watcher_) watcher_->Follow(reloader_->running().envoy.config);
  co_return outcome;
}

void Daemon::WatchReloadSignal() {
  reload_signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    boost::asio::co_spawn(pool_.at(0), Reload("SIGHUP"), boost::asio::detached);
    WatchReloadSignal();
  });
}

AdminHooks Daemon::MakeAdminHooks() {
  AdminHooks hooks;
  hooks.metrics = [this] { return metrics_.Render(); };
  hooks.reload = [this] { return Reload("POST /reload"); };
  // On the first I/O thread, the admin port's, whose worker reads the running password.
  hooks.may_reload = [this](std::string_view authorization) {
    // With server.admin_password set, only it may reload.
    Authenticator& authenticator = workers_.front()->authenticator();
    if (!authenticator.Configured()) return true;
    const std::optional<std::string_view> token = Password::BearerToken(authorization);
    if (!token) {
      authenticator.Refuse(kAdminDoor, AuthFailure::kMissing);
      return false;
    }
    const Role role = authenticator.Check(*token, kAdminDoor);
    if (role == Role::kClient && authenticator.AdminRequired()) {
      authenticator.Refuse(kAdminDoor, AuthFailure::kNoPerm);
      return false;
    }
    return role != Role::kNone;
  };
  hooks.readiness = [this]() -> storage::Task<Readiness> {
    if (draining_) co_return Readiness{false, "draining: the daemon is shutting down"};
    const std::shared_ptr<const Generation> generation = reloader_->generation();
    const bool answers = co_await generation->backend->storage().Check();
    if (answers) co_return Readiness{true, "ready"};
    const config::OnError on_error = generation->settings.on_error;
    if (on_error == config::OnError::kError) {
      co_return Readiness{false, "the storage does not answer (storage.on_error: error)"};
    }
    co_return Readiness{true, std::string("ready; the storage does not answer, so requests are "
                                          "answered by storage.on_error: ") +
                                  OnErrorName(on_error)};
  };
  return hooks;
}

// The HTTP port: its routes first, then the listener.
void Daemon::BuildHttp(const config::Config& config) {
  HttpApiEndpoints::Register(http_routes_);
  RlsJsonEndpoint::Register(http_routes_);
  std::vector<Worker*> workers;
  for (auto& worker : workers_) workers.push_back(worker.get());
  HttpSettings settings{config.http.max_header_bytes, config.http.max_body_bytes,
                        std::chrono::milliseconds(config.server.idle_timeout_ms)};
  http_ = std::make_unique<HttpListener>(pool_.at(0), std::move(workers),
                                         config.server.max_connections, http_routes_, settings);
  http_->Bind(*config.http.address);
}

int Daemon::Run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (!ec) BeginShutdown(signal);
  });
  WatchReloadSignal();
  if (watcher_) watcher_->Start();
  listener_->Start();
  if (admin_) {
    admin_->Start();
    spdlog::info("admin endpoint on http://{} (/metrics, /livez, /readyz, /reload)",
                 admin_->BoundAddress());
  }
  if (http_) {
    http_->Start();
    spdlog::info("HTTP API on {}://{} (POST /v1/hit, /v1/test, /v1/stats, /v1/reset, /v1/batch)",
                 reloader_->generation()->tls ? "https" : "http", http_->BoundAddress());
  }
  if (grpc_) spdlog::info("Envoy rate limit service (gRPC) on {}", grpc_->BoundAddress());
  std::string where;
  for (const std::string& address : BoundAddresses()) where += (where.empty() ? "" : ", ") + address;
  if (reloader_->generation()->tls) where += " (TLS on TCP addresses)";
  spdlog::info("limitsd listening on {}; storage {}; {} I/O thread(s)", where,
               reloader_->generation()->backend->storage().Describe(), pool_.size());
  pool_.Run();
  spdlog::info("limitsd stopped");
  return 0;
}

// Stop accepting, let every connection finish the request it is on and write its replies,
// then stop; connections still open after the grace period are closed by force.
void Daemon::BeginShutdown(int signal) {
  spdlog::info("signal {} received: no new connections, finishing requests in flight", signal);
  draining_ = true;  // /readyz answers 503 from now on; the admin port serves until exit
  listener_->Stop();
  if (watcher_) watcher_->Stop();
  reload_signals_.cancel();
  if (http_) http_->Stop();
  if (grpc_) grpc_->BeginShutdown(std::chrono::system_clock::now() + kDrainGrace);
  for (auto& worker : workers_) {
    boost::asio::post(worker->io(), [w = worker.get()] { w->ShutdownAll(); });
  }
  drain_deadline_ = std::chrono::steady_clock::now() + kDrainGrace;
  WaitForDrain();
}

void Daemon::WaitForDrain() {
  const bool drained = metrics_.connections_open.load(std::memory_order_relaxed) <= 0 &&
                       (!grpc_ || grpc_->Stopped());
  if (drained || std::chrono::steady_clock::now() >= drain_deadline_) {
    if (!drained) spdlog::warn("closing connections still open after {}s", kDrainGrace.count());
    pool_.Stop();
    return;
  }
  drain_timer_.expires_after(kDrainPoll);
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) WaitForDrain();
  });
}

}  // namespace limitsd::server
