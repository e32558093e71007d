#pragma once
// A storage whose backend is down: every call fails with kUnavailable and Check() is
// false. Registered under the scheme `down://` in the server tests, to walk the on_error
// paths of the decider and the readiness of the admin endpoint. ThrowingStorage
// (`throws://`) throws from inside every call, as a faulty plugin's coroutine might.

#include <stdexcept>
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

class ThrowingStorage : public storage::Storage {
 public:
  static constexpr std::string_view kSchemes[] = {"throws"};
  explicit ThrowingStorage(const storage::StorageContext&) {}

  storage::Task<storage::Result<std::int64_t>> Incr(std::string_view, storage::Micros,
                                                    std::int64_t) override {
    throw std::runtime_error("incr exploded");
    co_return 0;
  }
  storage::Task<storage::Result<void>> Decr(std::string_view, std::int64_t) override {
    throw std::runtime_error("decr exploded");
    co_return storage::Result<void>{};
  }
  storage::Task<storage::Result<std::int64_t>> Get(std::string_view) override {
    throw std::runtime_error("get exploded");
    co_return 0;
  }
  storage::Task<storage::Result<storage::Micros>> GetExpiry(std::string_view) override {
    throw std::runtime_error("get_expiry exploded");
    co_return storage::Micros{0};
  }
  storage::Task<storage::Result<void>> Clear(std::string_view) override {
    throw std::runtime_error("clear exploded");
    co_return storage::Result<void>{};
  }
  storage::Task<bool> Check() override { co_return true; }
  std::string Describe() const override { return "throws://"; }
};

}  // namespace limitsd::server::testing
