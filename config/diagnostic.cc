#include "config/diagnostic.h"

#include <algorithm>
#include <utility>

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
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.line, a.column) < std::pair(b.line, b.column);
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
