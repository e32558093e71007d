#pragma once
// Watches the configuration file's directory (inotify) and calls back when the file's
// contents change: an edit in place, a new file moved over it, or the symlink swap with
// which Kubernetes updates a mounted ConfigMap (`..data` renamed to point at a new
// directory). Events are debounced and the file is compared by its bytes, so one change
// makes one call and a touch without a change makes none. Runs on one io_context.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

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

  void Start();
  void Stop();

 private:
  storage::Task<void> Watch();
  storage::Task<void> Settle();
  /// The file's bytes as they are now (through any symlinks); empty when unreadable.
  std::string Contents() const;

  static constexpr std::chrono::milliseconds kDebounce{100};
  std::string file_;
  std::function<void()> on_change_;
  boost::asio::posix::stream_descriptor inotify_;
  boost::asio::steady_timer debounce_;
  std::string last_;
  bool settling_ = false;
  bool stopped_ = false;
};

}  // namespace limitsd::server
