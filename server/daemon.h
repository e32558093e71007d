#pragma once
// The running daemon: I/O threads, the storage, one worker per thread, the listener, and
// the signals that stop it (SIGTERM/SIGINT: stop accepting, finish what is in flight, exit).

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.h"
#include "limits/rate_limiter.h"
#include "server/admin_server.h"
#include "server/config_validator.h"
#include "server/io_context_pool.h"
#include "server/listener.h"
#include "server/metrics.h"
#include "server/worker.h"
#include "storage/storage.h"

namespace limitsd::server {

class Daemon {
 public:
  /// Builds everything and binds the listen addresses; throws on failure (start-up only).
  Daemon(const config::Config& config, const ValidatedConfig& validated);
  ~Daemon();

  std::vector<std::string> BoundAddresses() const { return listener_->BoundAddresses(); }
  /// Serves until a stop signal and the drain that follows; returns the exit code.
  int Run();

 private:
  void BuildStorage(const config::Config& config, const ValidatedConfig& validated);
  void BuildWorkers(const config::Config& config, const ValidatedConfig& validated);
  void BeginShutdown(int signal);
  void WaitForDrain();

  IoContextPool pool_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<storage::Storage> fallback_storage_;
  std::unique_ptr<limits::RateLimiter> limiter_;
  std::unique_ptr<limits::RateLimiter> fallback_;
  Metrics metrics_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<AdminServer> admin_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
};

}  // namespace limitsd::server
