#pragma once

#include <stdexcept>
#include <string>

namespace limitsd::config {

/// A command line that cannot be used (unknown flag, missing or bad value). what() says
/// what is wrong in one line; the caller prints it with CommandLine::Usage() and exits 2.
class CommandLineError : public std::runtime_error {
 public:
  explicit CommandLineError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace limitsd::config
