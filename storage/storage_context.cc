#include "storage/storage_context.h"

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
    throw ConfigurationError("storage option '" + std::string(name) + "' must be an integer from " +
                             std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                             text + "'");
  }
  return value;
}

}  // namespace limitsd::storage
