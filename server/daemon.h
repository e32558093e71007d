#pragma once
// The running daemon: I/O threads, the storage, one worker per thread, the listener, and
// the signals that stop it (SIGTERM/SIGINT: stop accepting, finish what is in flight, exit)
// and reload it (SIGHUP, a change to the --config file, POST /reload on the admin port).

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/command_line.h"
#include "config/config.h"
#include "limits/rate_limiter.h"
#include "server/admin_server.h"
#include "server/config_validator.h"
#include "server/config_watcher.h"
#include "server/generation.h"
#include "server/grpc_server.h"
#include "server/http_listener.h"
#include "server/http_router.h"
#include "server/io_context_pool.h"
#include "server/listener.h"
#include "server/metrics.h"
#include "server/reloader.h"
#include "server/worker.h"
#include "storage/storage.h"

namespace limitsd::server {

class Daemon {
 public:
  /// Builds everything and binds the listen addresses; throws on failure (start-up only).
  /// `options` name the file that reloads read again (and the flags that override it).
  Daemon(const config::Config& config, const ValidatedConfig& validated,
         const config::CommandLineOptions& options = {});
  ~Daemon();

  std::vector<std::string> BoundAddresses() const { return listener_->BoundAddresses(); }
  /// Serves until a stop signal and the drain that follows; returns the exit code.
  int Run();

 private:
  void BuildStorage(const config::Config& config, const ValidatedConfig& validated,
                    const config::CommandLineOptions& options);
  void ContactStorage(const config::Config& config);
  void BuildWorkers(const config::Config& config);
  AdminHooks MakeAdminHooks();
  void RenderDenyCache(std::string& out) const;
  /// Reloads, then follows the Envoy rule files the running configuration names. Awaited
  /// on the first I/O thread (the reloader's and the watcher's).
  storage::Task<ReloadOutcome> Reload(std::string trigger);
  void WatchReloadSignal();
  void StartConfigWatcher();
  void Publish(const std::shared_ptr<const Generation>& generation);
  void BuildHttp(const config::Config& config);
  void BeginShutdown(int signal);
  void WaitForDrain();

  IoContextPool pool_;
  Metrics metrics_;
  ReloadCounters reloads_;
  std::unique_ptr<Reloader> reloader_;  // owns every storage opened; outlives the workers
  std::unique_ptr<ConfigWatcher> watcher_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<AdminServer> admin_;
  HttpRouter http_routes_;  ///< what the HTTP port answers; complete before it opens
  std::unique_ptr<HttpListener> http_;
  std::unique_ptr<GrpcServer> grpc_;
  boost::asio::signal_set signals_;
  boost::asio::signal_set reload_signals_;
  boost::asio::steady_timer drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
  bool draining_ = false;  // on the first I/O thread only
};

}  // namespace limitsd::server
