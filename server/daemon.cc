#include "server/daemon.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "storage/storage_registry.h"

namespace limitsd::server {
namespace {

constexpr std::chrono::seconds kDrainGrace{10};
constexpr std::chrono::milliseconds kDrainPoll{20};

}  // namespace

Daemon::Daemon(const config::Config& config, const ValidatedConfig& validated)
    : pool_(config.server.threads),
      signals_(pool_.at(0), SIGINT, SIGTERM),
      drain_timer_(pool_.at(0)) {
  BuildStorage(config, validated);
  BuildWorkers(config, validated);
  std::vector<Worker*> workers;
  for (auto& worker : workers_) workers.push_back(worker.get());
  listener_ = std::make_unique<Listener>(pool_.at(0), workers, config.server.max_connections);
  listener_->Bind(config.server.listen);
  if (config.admin.address) {
    admin_ = std::make_unique<AdminServer>(pool_.at(0), metrics_, *storage_);
    admin_->Bind(*config.admin.address);
  }
}

Daemon::~Daemon() {
  // Connections and workers go before the storage they use, the storage before the pool.
  listener_.reset();
  admin_.reset();
  workers_.clear();
  fallback_.reset();
  limiter_.reset();
  fallback_storage_.reset();
  storage_.reset();
}

void Daemon::BuildStorage(const config::Config& config, const ValidatedConfig& validated) {
  storage::StorageContext context;
  context.uri = validated.uri;
  context.options = config.storage.options;
  context.timeout = std::chrono::milliseconds(config.storage.timeout_ms);
  context.executors = pool_.Executors();
  storage_ = storage::StorageRegistry::Instance().Create(context);
  limiter_ = std::make_unique<limits::RateLimiter>(*storage_);
  if (config.storage.on_error == config::OnError::kLocal) {
    storage::StorageContext local = context;
    local.uri = storage::ParseStorageUri("memory://");
    local.options.clear();
    fallback_storage_ = storage::StorageRegistry::Instance().Create(local);
    fallback_ = std::make_unique<limits::RateLimiter>(*fallback_storage_);
    spdlog::warn(
        "storage.on_error is local: while the storage fails, this daemon decides on its own "
        "memory store, so each daemon admits the full limit by itself");
  }
}

void Daemon::BuildWorkers(const config::Config& config, const ValidatedConfig& validated) {
  DeciderSettings decider{config.allow_reset, config.storage.on_error,
                          static_cast<std::int64_t>(config.storage.timeout_ms)};
  ConnectionSettings connection{config.server.max_line_bytes,
                                std::chrono::milliseconds(config.server.idle_timeout_ms)};
  storage::Storage& storage = *storage_;
  auto supports = [&storage](limits::StrategyKind kind) {
    return limits::RateLimiter::Supports(storage, kind);
  };
  for (std::size_t i = 0; i < pool_.size(); ++i) {
    LimitTable table(validated.limits, validated.default_strategy, config.allow_inline_limits,
                     supports);
    workers_.push_back(std::make_unique<Worker>(pool_.at(i), std::move(table), *limiter_,
                                                fallback_.get(), decider, connection,
                                                metrics_));
  }
}

int Daemon::Run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (!ec) BeginShutdown(signal);
  });
  listener_->Start();
  if (admin_) {
    admin_->Start();
    spdlog::info("admin endpoint on http://{} (/metrics, /health)", admin_->BoundAddress());
  }
  std::string where;
  for (const std::string& address : BoundAddresses()) where += (where.empty() ? "" : ", ") + address;
  spdlog::info("limitsd listening on {}; storage {}; {} I/O thread(s)", where,
               storage_->Describe(), pool_.size());
  pool_.Run();
  spdlog::info("limitsd stopped");
  return 0;
}

// Stop accepting, let every connection finish the request it is on and write its replies,
// then stop; connections still open after the grace period are closed by force.
void Daemon::BeginShutdown(int signal) {
  spdlog::info("signal {} received: no new connections, finishing requests in flight", signal);
  listener_->Stop();
  if (admin_) admin_->Stop();
  for (auto& worker : workers_) {
    boost::asio::post(worker->io(), [w = worker.get()] { w->ShutdownAll(); });
  }
  drain_deadline_ = std::chrono::steady_clock::now() + kDrainGrace;
  WaitForDrain();
}

void Daemon::WaitForDrain() {
  const bool drained = metrics_.connections_open.load(std::memory_order_relaxed) <= 0;
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
