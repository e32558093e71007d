#pragma once
// Test storages that fail every call, registered in the server tests to walk the decider's
// error paths and the readiness of the admin endpoint:
// - DownStorage (`down://`): a backend that is down; every call fails with kUnavailable and
//   Check() is false.
// - ThrowingStorage (`throws://`): every call throws from inside its coroutine, as a faulty
//   plugin's might; Check() is true.

#include <stdexcept>
#include <string>
#include <string_view>

#include "storage/storage.h"
#include "storage/storage_context.h"
#include "storage/storage_error.h"

namespace limitsd::server::testing {

enum class FailureMode { kUnavailable, kThrow };

template <FailureMode kMode>
class FailingStorage : public storage::Storage {
 public:
  static constexpr std::string_view kSchemes[] = {kMode == FailureMode::kThrow ? "throws" : "down"};
  explicit FailingStorage(const storage::StorageContext&) {}

  storage::Task<storage::Result<std::int64_t>> Incr(std::string_view, storage::Micros,
                                                    std::int64_t) override {
    co_return Fail<std::int64_t>("incr");
  }
  storage::Task<storage::Result<void>> Decr(std::string_view, std::int64_t) override {
    co_return Fail<void>("decr");
  }
  storage::Task<storage::Result<std::int64_t>> Get(std::string_view) override {
    co_return Fail<std::int64_t>("get");
  }
  storage::Task<storage::Result<storage::Micros>> GetExpiry(std::string_view) override {
    co_return Fail<storage::Micros>("get_expiry");
  }
  storage::Task<storage::Result<void>> Clear(std::string_view) override {
    co_return Fail<void>("clear");
  }
  storage::Task<bool> Check() override { co_return kMode == FailureMode::kThrow; }
  std::string Describe() const override { return std::string(kSchemes[0]) + "://"; }

 private:
  /// The failure of `call`: thrown, or kUnavailable.
  template <class T>
  static storage::Result<T> Fail(const char* call) {
    if constexpr (kMode == FailureMode::kThrow) {
      throw std::runtime_error(std::string(call) + " exploded");
    } else {
      return storage::StorageErrc::kUnavailable;
    }
  }
};

using DownStorage = FailingStorage<FailureMode::kUnavailable>;
using ThrowingStorage = FailingStorage<FailureMode::kThrow>;

}  // namespace limitsd::server::testing
