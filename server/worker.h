#pragma once
// What one I/O thread owns: its limit table, its decider, the line/RESP request handler and
// its live connections.

#include <cstdint>
#include <memory>
#include <unordered_map>

#include <boost/asio/io_context.hpp>

#include "server/authenticator.h"
#include "server/decider.h"
#include "server/limit_table.h"
#include "server/metrics.h"
#include "server/request_handler.h"
#include "server/session.h"

namespace limitsd::server {

struct ConnectionSettings {
  std::size_t max_line_bytes = 4096;
  std::chrono::milliseconds idle_timeout{300000};  ///< 0: none
};

class Worker {
 public:
  Worker(boost::asio::io_context& io, LimitTable table, limits::RateLimiter& limiter,
         limits::RateLimiter* fallback, DeciderSettings decider, ConnectionSettings connection,
         Metrics& metrics);
  /// Decides with `generation` until Apply() swaps in another.
  Worker(boost::asio::io_context& io, std::shared_ptr<const Generation> generation,
         ConnectionSettings connection, Metrics& metrics);

  /// Swaps in a reloaded configuration; call on the worker's thread.
  void Apply(std::shared_ptr<const Generation> generation) { decider_.Apply(std::move(generation)); }

  boost::asio::io_context& io() noexcept { return io_; }
  /// The one entry point of every front door on this thread.
  Decider& decider() noexcept { return decider_; }
  /// Checks credentials for every front door on this thread (server.password).
  Authenticator& authenticator() noexcept { return authenticator_; }
  /// The line protocol and RESP front door.
  RequestHandler& handler() noexcept { return handler_; }
  const ConnectionSettings& settings() const noexcept { return settings_; }
  /// The daemon's connection counts, shared by every thread.
  Metrics& metrics() noexcept { return metrics_; }
  /// What this thread counts per request (only this thread writes it).
  ThreadMetrics& counters() noexcept { return counters_; }

  /// Keeps a live connection (line/RESP or HTTP) until it removes itself.
  void Add(const std::shared_ptr<Session>& connection);
  void Remove(const Session* connection);
  /// Asks every connection to finish what it is doing and close (on the worker's thread).
  void ShutdownAll();
  std::size_t size() const noexcept { return connections_.size(); }

 private:
  boost::asio::io_context& io_;
  ThreadMetrics& counters_;
  LimitTable table_;
  Decider decider_;
  Authenticator authenticator_;
  RequestHandler handler_;
  ConnectionSettings settings_;
  Metrics& metrics_;
  std::unordered_map<const Session*, std::shared_ptr<Session>> connections_;
};

}  // namespace limitsd::server
