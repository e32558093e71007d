#pragma once
// A storage whose backend is down: every call fails with kUnavailable and Check() is
// false. Registered under the scheme `down://` in the server tests, to walk the on_error
// paths of the decider and the readiness of the admin endpoint.

#include <string_view>

#include "storage/storage.h"
#include "storage/storage_context.h"
#include "storage/storage_error.h"

namespace limitsd::server::testing {

class DownStorage : public storage::Storage {
 public:
  static constexpr std::string_view kSchemes[] = {"down"};
  explicit DownStorage(const storage::StorageContext&) {}

  storage::Task<storage::Result<std::int64_t>> Incr(std::string_view, storage::Micros,
                                                    std::int64_t) override {
    co_return storage::StorageErrc::kUnavailable;
  }
  storage::Task<storage::Result<void>> Decr(std::string_view, std::int64_t) override {
    co_return storage::StorageErrc::kUnavailable;
  }
  storage::Task<storage::Result<std::int64_t>> Get(std::string_view) override {
    co_return storage::StorageErrc::kUnavailable;
  }
  storage::Task<storage::Result<storage::Micros>> GetExpiry(std::string_view) override {
    co_return storage::StorageErrc::kUnavailable;
  }
  storage::Task<storage::Result<void>> Clear(std::string_view) override {
    co_return storage::StorageErrc::kUnavailable;
  }
  storage::Task<bool> Check() override { co_return false; }
  std::string Describe() const override { return "down://"; }
};

}  // namespace limitsd::server::testing
