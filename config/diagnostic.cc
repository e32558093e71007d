#include "config/diagnostic.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "config/config.h"

namespace limitsd::config {

std::string Diagnostic::ToString() const { return FormatDiagnostic(file, line, column, message); }

std::string FormatDiagnostic(std::string_view file, int line, int column,
                             std::string_view message) {
  if (line == kFromCommandLine) return fmt::format("command line: {}", message);
  if (line <= 0) return fmt::format("{}: {}", file, message);
  if (column <= 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

void SortInFileOrder(Diagnostics& diagnostics) {
  // kFromCommandLine is negative and whole-file diagnostics have line 0: both sort first.
  // A command-line diagnostic belongs to no file: it ranks with the first one.
  std::vector<std::string> files;  // copies: the sort moves the diagnostics
  auto rank = [&files](const Diagnostic& d) {
    if (d.line == kFromCommandLine) return std::size_t{0};
    auto it = std::find(files.begin(), files.end(), d.file);
    return static_cast<std::size_t>(it - files.begin());
  };
  for (const Diagnostic& d : diagnostics) {
    if (d.line != kFromCommandLine &&
        std::find(files.begin(), files.end(), d.file) == files.end()) {
      files.push_back(d.file);
    }
  }
  std::stable_sort(
      diagnostics.begin(), diagnostics.end(), [&rank](const Diagnostic& a, const Diagnostic& b) {
        return std::tuple(rank(a), a.line, a.column) < std::tuple(rank(b), b.line, b.column);
      });
}

std::string FormatDiagnostics(const Diagnostics& diagnostics) {
  std::string out;
  for (const Diagnostic& diagnostic : diagnostics) {
    out += diagnostic.ToString();
    out += '\n';
  }
  return out;
}

std::string FormatCheckReport(std::string_view file, const Diagnostics& diagnostics) {
  if (diagnostics.empty()) return fmt::format("{}: configuration OK\n", file);
  return FormatDiagnostics(diagnostics) +
         fmt::format("limitsd: the configuration has {} error(s)\n", diagnostics.size());
}

}  // namespace limitsd::config
