#pragma once
// A small counting SyncStorage that the loader's test plugins register under various
// schemes (each plugin is its own MODULE library, built like a real plugin).

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/storage_context.h"
#include "storage/storage_error.h"
#include "storage/sync_storage.h"

namespace limitsd::storage::plugin_test {

class PluginTestStorage : public SyncStorage {
 public:
  explicit PluginTestStorage(const StorageContext& context) : uri_(context.uri.Redacted()) {}
  Result<std::int64_t> Incr(std::string_view key, Micros, std::int64_t amount) override {
    std::lock_guard lock(mutex_);
    return counts_[std::string(key)] += amount;
  }
  Result<void> Decr(std::string_view key, std::int64_t amount) override {
    std::lock_guard lock(mutex_);
    counts_[std::string(key)] -= amount;
    return {};
  }
  Result<std::int64_t> Get(std::string_view key) override {
    std::lock_guard lock(mutex_);
    const auto it = counts_.find(key);
    return it == counts_.end() ? 0 : it->second;
  }
  Result<Micros> GetExpiry(std::string_view) override { return Micros{0}; }
  Result<void> Clear(std::string_view key) override {
    std::lock_guard lock(mutex_);
    counts_.erase(std::string(key));
    return {};
  }
  bool Check() override { return true; }
  std::string Describe() const override { return "plugin test storage " + uri_; }

 private:
  std::string uri_;
  std::mutex mutex_;
  std::map<std::string, std::int64_t, std::less<>> counts_;
};

}  // namespace limitsd::storage::plugin_test
