#pragma once
// The exception thrown at start-up when a configuration cannot be used. It carries every
// problem found, not just the first, so a user fixes them all in one go.

#include <stdexcept>

#include "config/diagnostic.h"

namespace limitsd::config {

class ConfigError : public std::runtime_error {
 public:
  /// `diagnostics` must not be empty; what() is FormatDiagnostics(diagnostics).
  explicit ConfigError(Diagnostics diagnostics);

  const Diagnostics& diagnostics() const { return diagnostics_; }

 private:
  Diagnostics diagnostics_;
};

}  // namespace limitsd::config
