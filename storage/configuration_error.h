#pragma once

#include <stdexcept>
#include <string>

namespace limitsd::storage {

/// A storage that cannot be built as configured (bad URI, unknown scheme, bad option).
/// Thrown at start-up only, never on the data path.
class ConfigurationError : public std::runtime_error {
 public:
  explicit ConfigurationError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace limitsd::storage
