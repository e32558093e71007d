#pragma once
// `${VAR}` expansion in configuration values, from the environment (or any lookup, for
// tests).
//
//   ${NAME}            the variable's value; an unset variable is an error that names it
//   ${NAME:-fallback}  the value, or `fallback` (taken literally) when unset or empty
//   $${                a literal "${" (so "$${NAME}" is the text "${NAME}")
//   $                  anywhere else, a literal '$'
// NAME is [A-Za-z_][A-Za-z0-9_]*.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace limitsd::config {

class EnvExpander {
 public:
  /// Returns the variable's value, or nullopt when it is not set.
  using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

  struct Result {
    std::optional<std::string> value;  ///< set on success
    std::string error;                 ///< what went wrong, when `value` is not set
  };

  /// Reads the process environment (getenv).
  EnvExpander();
  explicit EnvExpander(Lookup lookup);

  Result Expand(std::string_view text) const;

  /// Whether `text` has anything to expand (a "${"), escaped or not.
  static bool MayExpand(std::string_view text);

 private:
  /// Expands the reference that starts at text[pos] == '$', text[pos+1] == '{'; appends its
  /// value to `out` and returns the position after the closing '}', or nullopt on error.
  std::optional<std::size_t> ExpandReference(std::string_view text, std::size_t pos,
                                             std::string& out, std::string& error) const;

  Lookup lookup_;
};

}  // namespace limitsd::config
