#pragma once
// One configuration error with the place it was written, formatted the one way every
// component reports configuration problems: "FILE:LINE:COL: message".

#include <string>
#include <string_view>
#include <vector>

namespace limitsd::config {

/// A configuration problem. `line` and `column` are 1-based; line 0 means the whole file
/// (or no file), kFromCommandLine (config.h) means a command-line flag.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  /// FormatDiagnostic(file, line, column, message).
  std::string ToString() const;
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

using Diagnostics = std::vector<Diagnostic>;

/// "FILE:LINE:COL: message"; "FILE: message" when line is 0; "command line: message" when
/// line is kFromCommandLine. A column of 0 is left out ("FILE:LINE: message").
std::string FormatDiagnostic(std::string_view file, int line, int column,
                             std::string_view message);

/// Puts `diagnostics` in the order a reader meets their causes: command-line flags first,
/// then what concerns the whole file, then by line and column; equal places keep their
/// order. Diagnostics of several files (envoy.config's) stay grouped by file, the files in
/// the order their first diagnostic came.
void SortInFileOrder(Diagnostics& diagnostics);

/// Every diagnostic on its own line, in order, each line ending with '\n'.
std::string FormatDiagnostics(const Diagnostics& diagnostics);

/// What `limitsd --check` prints: with no diagnostics "FILE: configuration OK\n";
/// otherwise every diagnostic on its own line, then
/// "limitsd: the configuration has N error(s)\n".
std::string FormatCheckReport(std::string_view file, const Diagnostics& diagnostics);

}  // namespace limitsd::config
