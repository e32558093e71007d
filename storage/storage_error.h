#pragma once
// The storage layer's error domain: what a backend call can fail with.

#include <string>
#include <system_error>

namespace limitsd::storage {

enum class StorageErrc {
  kUnavailable = 1,  ///< the backend cannot be reached (refused, disconnected, down)
  kTimeout,          ///< the call did not complete within storage.timeout_ms
  kProtocol,         ///< the backend answered something we could not understand
  kContention,       ///< optimistic updates kept losing races (bounded retries ran out)
  kOverloaded,       ///< too many calls in flight to this backend
  kUnsupported,      ///< the storage lacks the capability the call needs
  kTooLarge,         ///< the value does not fit the backend (e.g. a memcached item)
  kInternal,         ///< an exception or unexpected error escaped a backend's code
  kCircuitOpen,      ///< not sent: the backend failed repeatedly and calls are held back
  kFull,             ///< the store holds as many keys as it may and refuses a new one
};

const std::error_category& StorageCategory() noexcept;

inline std::error_code make_error_code(StorageErrc e) noexcept {
  return {static_cast<int>(e), StorageCategory()};
}

}  // namespace limitsd::storage

template <>
struct std::is_error_code_enum<limitsd::storage::StorageErrc> : std::true_type {};
