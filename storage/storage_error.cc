#include "storage/storage_error.h"

namespace limitsd::storage {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "limitsd.storage"; }
  std::string message(int ev) const override {
    switch (static_cast<StorageErrc>(ev)) {
      case StorageErrc::kUnavailable: return "backend unavailable";
      case StorageErrc::kTimeout: return "backend call timed out";
      case StorageErrc::kProtocol: return "unexpected reply from backend";
      case StorageErrc::kContention: return "too many concurrent updates, retries exhausted";
      case StorageErrc::kOverloaded: return "too many backend calls in flight";
      case StorageErrc::kUnsupported: return "storage does not support this operation";
      case StorageErrc::kTooLarge: return "value too large for the backend";
      case StorageErrc::kInternal: return "internal storage error";
      case StorageErrc::kCircuitOpen:
        return "backend failing, calls held back (circuit breaker open)";
      case StorageErrc::kFull:
        return "memory store full (storage.options.max_keys keys stored, when_full: deny): "
               "a new key is refused until stored ones expire";
    }
    return "unknown storage error";
  }
};

}  // namespace

const std::error_category& StorageCategory() noexcept {
  static const Category category;
  return category;
}

}  // namespace limitsd::storage
