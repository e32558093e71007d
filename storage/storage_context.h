#pragma once
// Everything a storage factory is handed to build a storage.

#include <map>
#include <memory>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "storage/clock.h"
#include "storage/result.h"
#include "storage/storage_uri.h"

namespace limitsd::storage {

/// storage.options from the configuration: scalar values as strings.
using StorageOptions = std::map<std::string, std::string, std::less<>>;

/// One problem found while validating a storage's configuration.
struct StorageProblem {
  std::string option;   ///< the storage option at fault; empty: the URI
  std::string message;  ///< what is wrong and what to do
  friend bool operator==(const StorageProblem&, const StorageProblem&) = default;
};

struct StorageContext {
  StorageUri uri;
  StorageOptions options;
  /// storage.timeout_ms: the deadline of one backend call.
  Micros timeout{50'000};
  /// One executor per I/O thread; a network backend keeps its connections per executor
  /// and serves a call from the executor it was awaited on (see CurrentExecutorIndex).
  std::vector<boost::asio::any_io_executor> executors;
  /// The store's time source (system clock in the daemon, a manual one in tests).
  std::shared_ptr<const Clock> clock = std::make_shared<SystemClock>();
  /// Set while validating (StorageRegistry::Validate): option problems are recorded here and
  /// reading goes on with the fallback, so that every problem is reported at once. When
  /// null, the first problem throws ConfigurationError.
  std::vector<StorageProblem>* problems = nullptr;

  /// options[name] or `fallback`.
  std::string Option(std::string_view name, std::string_view fallback) const;
  /// options[name] as an integer in [min, max], or `fallback`; a bad value throws
  /// ConfigurationError naming the option.
  long long IntOption(std::string_view name, long long fallback, long long min,
                      long long max) const;
  /// Throws ConfigurationError when an option is not one of `known`, or when the URI has a
  /// query (a storage that calls this reads its options from storage.options only): a
  /// misspelt option must stop the daemon, not be ignored.
  void RequireKnownOptions(std::string_view storage, std::span<const std::string_view> known) const;
  /// Records a problem with `option` (empty: the URI) while validating; otherwise throws
  /// ConfigurationError(message).
  void Problem(std::string_view option, std::string message) const;
};

}  // namespace limitsd::storage
