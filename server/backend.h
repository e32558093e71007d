#pragma once
// The storage the daemon decides on, the rate limiter over it and, with on_error: local,
// the memory store that stands in while it fails. Shared by every I/O thread; a reload that
// keeps storage.uri, storage.options and storage.timeout_ms keeps the same storage (and so
// every counter in it), one that changes them opens a new one.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "config/config.h"
#include "limits/rate_limiter.h"
#include "storage/result.h"
#include "storage/storage.h"
#include "storage/storage_uri.h"

namespace limitsd::server {

/// A storage and the rate limiter over it; the limiter goes first.
struct LimiterStack {
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<limits::RateLimiter> limiter;
};

class Backend {
 public:
  /// Opens the storage of `config` (through the registry; throws on failure), and the
  /// fallback store when on_error is local. When `previous` has the same storage settings,
  /// its storage is shared instead of opened again (and its fallback, when both need one).
  static std::shared_ptr<Backend> Open(const config::Config& config,
                                       const storage::StorageUri& uri,
                                       const std::vector<boost::asio::any_io_executor>& executors,
                                       const std::shared_ptr<Backend>& previous = nullptr);

  limits::RateLimiter& limiter() noexcept { return *primary_->limiter; }
  storage::Storage& storage() noexcept { return *primary_->storage; }
  /// The on_error: local stand-in; null otherwise.
  limits::RateLimiter* fallback() noexcept {
    return fallback_ ? fallback_->limiter.get() : nullptr;
  }
  /// Whether this backend uses the storage `other` uses.
  bool SharesStorageWith(const Backend& other) const noexcept {
    return primary_ == other.primary_;
  }
  /// Asks the storage whether it answers (Storage::Check) and logs the result, naming
  /// `when` ("start-up", "reload"). Await on one of the daemon's I/O threads.
  storage::Task<bool> Contact(std::string_view when);

  /// The primary stack, for keeping a storage alive past the backends that use it.
  std::shared_ptr<LimiterStack> primary() const noexcept { return primary_; }

 private:
  /// What identifies a storage: a change in any of these opens a new one.
  struct Identity {
    std::string uri;
    std::map<std::string, std::string, std::less<>> options;
    std::uint32_t timeout_ms = 0;
    bool operator==(const Identity&) const = default;
  };

  Identity identity_;
  std::shared_ptr<LimiterStack> primary_;
  std::shared_ptr<LimiterStack> fallback_;
};

}  // namespace limitsd::server
