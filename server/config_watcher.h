#pragma once
// Watches the configuration file's directory (inotify) and calls back when the file's
// contents change: an edit in place, a new file moved over it, or the symlink swap with
// which Kubernetes updates a mounted ConfigMap (`..data` renamed to point at a new
// directory). The files the configuration names (the Envoy rule files of `envoy.config`)
// are followed the same way: a directory's `*.yaml` and `*.yml` files, or a file, each
// through a watch on its directory. Events are debounced and the files are compared by
// their bytes, so one change makes one call and a touch without a change makes none. Runs
// on one io_context.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "storage/result.h"

namespace limitsd::server {

class ConfigWatcher {
 public:
  /// Watches `file`'s directory; throws std::runtime_error when inotify cannot.
  ConfigWatcher(boost::asio::io_context& io, std::string file, std::function<void()> on_change);
  ~ConfigWatcher();

  /// Also follows `paths` (absolute files or directories), instead of those given before;
  /// a path that cannot be watched is logged and left out. Call on the watcher's thread.
  void Follow(std::vector<std::string> paths);
  void Start();
  void Stop();

 private:
  storage::Task<void> Watch();
  storage::Task<void> Settle();
  /// The bytes of every watched file as they are now (through any symlinks), each with its
  /// name; nullopt while the configuration file or a followed file cannot be read.
  std::optional<std::string> Snapshot() const;
  void AddWatch(const std::string& dir);

  static constexpr std::chrono::milliseconds kDebounce{100};
  std::string file_;
  std::vector<std::string> followed_;
  std::function<void()> on_change_;
  boost::asio::posix::stream_descriptor inotify_;
  boost::asio::steady_timer debounce_;
  std::string last_;
  bool settling_ = false;
  bool stopped_ = false;
};

}  // namespace limitsd::server
