#include "storage/storage_context.h"

#include <algorithm>
#include <charconv>

#include "storage/configuration_error.h"

namespace limitsd::storage {

std::string StorageContext::Option(std::string_view name, std::string_view fallback) const {
  const auto it = options.find(name);
  return it == options.end() ? std::string(fallback) : it->second;
}

long long StorageContext::IntOption(std::string_view name, long long fallback, long long min,
                                    long long max) const {
  const auto it = options.find(name);
  if (it == options.end()) return fallback;
  const std::string& text = it->second;
  long long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value < min ||
      value > max) {
    Problem(name, "storage option '" + std::string(name) + "' must be an integer from " +
                      std::to_string(min) + " to " + std::to_string(max) + ", got '" + text +
                      "'");
    return fallback;
  }
  return value;
}

void StorageContext::RequireKnownOptions(std::string_view storage,
                                         std::span<const std::string_view> known) const {
  if (!uri.query.empty()) {
    Problem("", std::string(storage) + " takes no URI query ('?" + uri.query.begin()->first +
                    "=...'); set it under storage.options");
  }
  for (const auto& [name, value] : options) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    Problem(name, "unknown " + std::string(storage) + " storage option '" + name +
                      "' (known: " + list + ")");
  }
}

void StorageContext::Problem(std::string_view option, std::string message) const {
  if (problems == nullptr) throw ConfigurationError(message);
  StorageProblem problem{std::string(option), std::move(message)};
  // A value read twice is reported once.
  if (std::find(problems->begin(), problems->end(), problem) == problems->end()) {
    problems->push_back(std::move(problem));
  }
}

}  // namespace limitsd::storage
