#pragma once
// Reloads the configuration file (SIGHUP, a change in its directory, POST /reload): reads
// and validates all of it the way start-up does, then builds a new Generation and hands it
// to every I/O thread. A file with errors changes nothing: every error is logged and the
// reload is counted as failed. Settings that only a restart applies (listen addresses,
// threads, connection limits, the admin address, plugins, the log format) are reported
// when they differ, and keep their running values. Runs on one thread (the daemon's first
// I/O thread); not thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "config/command_line.h"
#include "config/config.h"
#include "server/generation.h"

namespace limitsd::server {

struct ReloadOutcome {
  bool ok = false;
  /// What changed, or every error found (one per line).
  std::string message;
};

/// Reload counts, read by the metrics endpoint from any thread.
struct ReloadCounters {
  std::atomic<std::uint64_t> succeeded{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::int64_t> last_success_unix{0};  ///< seconds; start-up counts
};

class Reloader {
 public:
  using Publish = std::function<void(std::shared_ptr<const Generation>)>;

  /// `running` is the configuration the daemon started with; `publish` hands a new
  /// generation to every worker.
  Reloader(config::CommandLineOptions options, config::Config running,
           std::shared_ptr<const Generation> generation,
           std::vector<boost::asio::any_io_executor> executors, Publish publish,
           ReloadCounters& counters);

  /// Reads the file again and applies it; `trigger` names the cause in the log. A new
  /// storage is contacted first (and, with storage.connect: require, must answer). Reloads
  /// run one at a time: one asked for during another waits for it. Await on the first
  /// I/O thread.
  storage::Task<ReloadOutcome> Reload(std::string trigger);

  const std::shared_ptr<const Generation>& generation() const noexcept { return generation_; }
  /// The configuration running now (the last one loaded).
  const config::Config& running() const noexcept { return running_; }
  /// The file reloads read, empty without --config.
  std::string file() const { return options_.config_file.value_or(""); }

 private:
  storage::Task<ReloadOutcome> ReloadNow(const std::string& trigger);
  ReloadOutcome Fail(std::string_view trigger, std::string message);
  /// Logs the settings that differ but need a restart, and puts their running values
  /// back into `next`.
  void KeepRestartOnly(config::Config& next) const;
  static std::string DescribeChanges(const NamedLimits& before, const NamedLimits& after);

  config::CommandLineOptions options_;
  config::Config running_;
  std::shared_ptr<const Generation> generation_;
  std::vector<boost::asio::any_io_executor> executors_;
  Publish publish_;
  ReloadCounters& counters_;
  /// Every backend opened so far: a request in flight across a reload still uses its own.
  std::vector<std::shared_ptr<Backend>> backends_;
  bool busy_ = false;
};

}  // namespace limitsd::server
