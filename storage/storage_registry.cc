#include "storage/storage_registry.h"

#include <algorithm>
#include <cctype>

#include "storage/configuration_error.h"
#include "storage/storage_uri.h"

namespace limitsd::storage {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

bool Capabilities::Supports(StrategyKind kind) const noexcept {
  switch (kind) {
    case StrategyKind::kFixedWindow: return true;  // the primitives alone serve it
    case StrategyKind::kMovingWindow: return moving_window;
    case StrategyKind::kSlidingWindowCounter: return sliding_window_counter;
    case StrategyKind::kGcra: return gcra;
  }
  return false;
}

std::string Capabilities::Describe() const {
  std::vector<std::string> names;
  for (StrategyKind kind : strategy::kAllStrategies) {
    if (Supports(kind)) names.emplace_back(StrategyName(kind));
  }
  return Join(names);
}

StorageRegistry& StorageRegistry::Instance() {
  static StorageRegistry registry;
  return registry;
}

void StorageRegistry::Register(SchemeInfo info) {
  info.scheme = LowerAscii(info.scheme);
  std::lock_guard lock(mutex_);
  if (info.abi_version != kStorageAbiVersion) {
    errors_.push_back("storage " + info.type_name + " (scheme '" + info.scheme +
                      "') was built against storage ABI version " +
                      std::to_string(info.abi_version) + ", but this limitsd has version " +
                      std::to_string(kStorageAbiVersion) + "; rebuild it against this SDK");
    return;
  }
  const auto existing = std::find_if(schemes_.begin(), schemes_.end(),
                                     [&](const SchemeInfo& s) { return s.scheme == info.scheme; });
  if (existing != schemes_.end()) {
    errors_.push_back("storage scheme '" + info.scheme + "' is registered twice: by " +
                      existing->type_name + " and by " + info.type_name +
                      "; remove one of them or give it another scheme");
    return;
  }
  const auto pos = std::lower_bound(
      schemes_.begin(), schemes_.end(), info.scheme,
      [](const SchemeInfo& s, const std::string& scheme) { return s.scheme < scheme; });
  schemes_.insert(pos, std::move(info));
}

const SchemeInfo* StorageRegistry::Find(std::string_view scheme) const {
  const std::string wanted = LowerAscii(scheme);
  std::lock_guard lock(mutex_);
  // Entries are never removed, and std::vector may move them on insert, so Find is meant
  // for after start-up registration; the pointer stays valid until the next Register.
  for (const SchemeInfo& s : schemes_) {
    if (s.scheme == wanted) return &s;
  }
  return nullptr;
}

std::vector<std::string> StorageRegistry::Schemes() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  names.reserve(schemes_.size());
  for (const SchemeInfo& s : schemes_) names.push_back(s.scheme);
  return names;
}

std::vector<std::string> StorageRegistry::TakeErrors() {
  std::lock_guard lock(mutex_);
  return std::exchange(errors_, {});
}

std::vector<StorageProblem> StorageRegistry::Validate(const StorageContext& context) const {
  StorageValidator validate;
  {
    std::lock_guard lock(mutex_);
    const std::string wanted = LowerAscii(context.uri.scheme);
    const auto it = std::find_if(schemes_.begin(), schemes_.end(),
                                 [&](const SchemeInfo& s) { return s.scheme == wanted; });
    if (it == schemes_.end()) {
      return {{"", "unknown storage scheme '" + context.uri.scheme + "'"}};
    }
    validate = it->validate;
  }
  std::vector<StorageProblem> problems;
  if (!validate) return problems;
  StorageContext checked = context;
  checked.executors.clear();  // no I/O thread: nothing is connected
  checked.problems = &problems;
  try {
    validate(checked);
  } catch (const std::exception& e) {
    checked.Problem("", e.what());
  }
  return problems;
}

std::optional<std::string> StorageRegistry::CheckLimit(std::string_view scheme,
                                                       StrategyKind strategy, std::int64_t amount,
                                                       Micros window) const {
  LimitChecker check;
  {
    std::lock_guard lock(mutex_);
    const std::string wanted = LowerAscii(scheme);
    const auto it = std::find_if(schemes_.begin(), schemes_.end(),
                                 [&](const SchemeInfo& s) { return s.scheme == wanted; });
    if (it != schemes_.end()) check = it->check_limit;
  }
  return check ? check(strategy, amount, window) : std::nullopt;
}

std::unique_ptr<Storage> StorageRegistry::Create(const StorageContext& context) const {
  StorageFactory factory;
  {
    std::lock_guard lock(mutex_);
    const std::string wanted = LowerAscii(context.uri.scheme);
    const auto it = std::find_if(schemes_.begin(), schemes_.end(),
                                 [&](const SchemeInfo& s) { return s.scheme == wanted; });
    if (it != schemes_.end()) factory = it->factory;
  }
  if (!factory) {
    throw ConfigurationError("unknown storage scheme '" + context.uri.scheme + "' in URI '" +
                             context.uri.Redacted() + "'; known schemes: " + Join(Schemes()));
  }
  try {
    std::unique_ptr<Storage> storage = factory(context);
    if (!storage) throw ConfigurationError("the factory returned no storage");
    return storage;
  } catch (const std::exception& e) {
    throw ConfigurationError("cannot create storage '" + context.uri.Redacted() +
                             "': " + e.what());
  }
}

}  // namespace limitsd::storage
