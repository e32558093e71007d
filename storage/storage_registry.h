#pragma once
// The scheme registry, the C++ form of limits' STORAGE_SCHEME / storage_from_string.
//
// A backend declares its schemes as a class constant and registers itself with one line
// beside its definition:
//
//   class MyStorage : public limitsd::storage::Storage, public MovingWindowSupport {
//    public:
//     static constexpr std::string_view kSchemes[] = {"mydb", "mydb+tls"};
//     explicit MyStorage(const limitsd::storage::StorageContext& context);
//     ...
//   };
//   LIMITSD_REGISTER_STORAGE(MyStorage);
//
// Subclassing SyncStorage instead of Storage makes it a blocking backend that the daemon
// runs on a thread pool. The capability interfaces it inherits decide which strategies it
// can serve. Plugins loaded with dlopen use the same line.
//
// Two optional static members are picked up by the same line, so that `limitsd --check`
// and start-up find a bad configuration before anything connects:
//
//     /// Reads every option and the URI as the constructor would, without connecting;
//     /// reports problems with context.Problem() (or throws ConfigurationError).
//     static void ValidateOptions(const limitsd::storage::StorageContext& context);
//     /// Why one rate of a limit cannot be stored, or nullopt when it can.
//     static std::optional<std::string> CheckLimit(StrategyKind strategy, std::int64_t amount,
//                                                  Micros window);

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "storage/capabilities.h"
#include "storage/storage.h"
#include "storage/storage_context.h"
#include "storage/sync_storage.h"

namespace limitsd::storage {

/// Bumped whenever the storage SDK's binary interface changes; a plugin built against
/// another version is refused at load time.
inline constexpr int kStorageAbiVersion = 4;

struct Capabilities {
  bool moving_window = false;
  bool sliding_window_counter = false;
  bool gcra = false;
  bool multi_rate = false;
  bool synchronous = false;  ///< runs on the blocking thread pool
  /// Whether a strategy can be served by a storage with these capabilities.
  bool Supports(StrategyKind kind) const noexcept;
  /// The strategies these capabilities serve, e.g. "fixed-window, moving-window".
  std::string Describe() const;
};

using StorageFactory = std::function<std::unique_ptr<Storage>(const StorageContext&)>;
using StorageValidator = std::function<void(const StorageContext&)>;
using LimitChecker =
    std::function<std::optional<std::string>(StrategyKind, std::int64_t amount, Micros window)>;

struct SchemeInfo {
  std::string scheme;
  std::string type_name;
  Capabilities capabilities;
  StorageFactory factory;
  int abi_version = kStorageAbiVersion;
  StorageValidator validate;   ///< T::ValidateOptions; null: checked when built
  LimitChecker check_limit;    ///< T::CheckLimit; null: every rate can be stored
};

/// Wraps a blocking storage so that the daemon can await it: its calls run on a bounded
/// thread pool (option `blocking_threads`, default 4; at most `blocking_queue` calls,
/// default 10000, wait, further calls fail with kOverloaded), and exceptions escaping them
/// become kInternal.
std::unique_ptr<Storage> MakeSyncStorageRunner(std::unique_ptr<SyncStorage> storage,
                                               const Capabilities& capabilities,
                                               const StorageContext& context);

class StorageRegistry {
 public:
  static StorageRegistry& Instance();

  /// Registers one scheme (lower-cased). A scheme registered twice, or a wrong ABI version,
  /// is recorded as an error and reported by TakeErrors() at start-up.
  void Register(SchemeInfo info);

  /// The registered scheme, or nullptr.
  const SchemeInfo* Find(std::string_view scheme) const;
  /// Every registered scheme, sorted.
  std::vector<std::string> Schemes() const;
  /// Errors recorded since the last call (duplicate schemes, ABI mismatches).
  std::vector<std::string> TakeErrors();

  /// Every problem with context.uri and context.options that the scheme's storage finds
  /// without connecting (its ValidateOptions); an unknown scheme is one problem.
  std::vector<StorageProblem> Validate(const StorageContext& context) const;
  /// Why `strategy` with `amount` per `window` cannot be stored on `scheme`, or nullopt.
  std::optional<std::string> CheckLimit(std::string_view scheme, StrategyKind strategy,
                                        std::int64_t amount, Micros window) const;

  /// Builds the storage for context.uri; throws ConfigurationError for an unknown scheme
  /// (listing the known ones) or a storage that cannot be built.
  std::unique_ptr<Storage> Create(const StorageContext& context) const;

 private:
  mutable std::mutex mutex_;
  std::vector<SchemeInfo> schemes_;
  std::vector<std::string> errors_;
};

template <class T>
constexpr Capabilities CapabilitiesOf() {
  Capabilities c;
  c.synchronous = std::is_base_of_v<SyncStorage, T>;
  c.moving_window =
      std::is_base_of_v<MovingWindowSupport, T> || std::is_base_of_v<SyncMovingWindowSupport, T>;
  c.sliding_window_counter = std::is_base_of_v<SlidingWindowCounterSupport, T> ||
                             std::is_base_of_v<SyncSlidingWindowCounterSupport, T>;
  c.gcra = std::is_base_of_v<GcraSupport, T> || std::is_base_of_v<SyncGcraSupport, T>;
  c.multi_rate =
      std::is_base_of_v<MultiRateSupport, T> || std::is_base_of_v<SyncMultiRateSupport, T>;
  return c;
}

/// Registers every scheme of T::kSchemes. Called by LIMITSD_REGISTER_STORAGE.
template <class T>
void RegisterStorage(const char* type_name, int abi_version = kStorageAbiVersion) {
  static_assert(std::is_base_of_v<Storage, T> || std::is_base_of_v<SyncStorage, T>,
                "a storage subclasses limitsd::storage::Storage or SyncStorage");
  constexpr Capabilities caps = CapabilitiesOf<T>();
  for (std::string_view scheme : T::kSchemes) {
    SchemeInfo info;
    info.scheme = std::string(scheme);
    info.type_name = type_name;
    info.capabilities = caps;
    info.abi_version = abi_version;
    if constexpr (requires(const StorageContext& context) { T::ValidateOptions(context); }) {
      info.validate = [](const StorageContext& context) { T::ValidateOptions(context); };
    }
    if constexpr (requires(StrategyKind kind, std::int64_t amount, Micros window) {
                    { T::CheckLimit(kind, amount, window) } -> std::same_as<std::optional<std::string>>;
                  }) {
      info.check_limit = [](StrategyKind kind, std::int64_t amount, Micros window) {
        return T::CheckLimit(kind, amount, window);
      };
    }
    info.factory = [](const StorageContext& context) -> std::unique_ptr<Storage> {
      if constexpr (std::is_base_of_v<SyncStorage, T>) {
        return MakeSyncStorageRunner(std::make_unique<T>(context), CapabilitiesOf<T>(), context);
      } else {
        return std::make_unique<T>(context);
      }
    };
    StorageRegistry::Instance().Register(std::move(info));
  }
}

}  // namespace limitsd::storage

#define LIMITSD_STORAGE_CONCAT_INNER(a, b) a##b
#define LIMITSD_STORAGE_CONCAT(a, b) LIMITSD_STORAGE_CONCAT_INNER(a, b)
/// Registers a storage class under its kSchemes; one line beside its definition.
#define LIMITSD_REGISTER_STORAGE(Type)                                                  \
  [[maybe_unused]] static const bool LIMITSD_STORAGE_CONCAT(limitsd_registered_storage_, \
                                                            __COUNTER__) =              \
      (::limitsd::storage::RegisterStorage<Type>(#Type), true)
