#pragma once
// Typed reading of a yaml-cpp tree that never stops at the first problem: each accessor
// returns nullopt and records a Diagnostic ("FILE:LINE:COL: message") when a value is
// missing, of the wrong type, out of range or not one of its allowed values. Every scalar
// goes through `${VAR}` expansion before it is converted.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/diagnostic.h"
#include "config/env_expander.h"

namespace limitsd::config {

class YamlReader {
 public:
  /// Called for each known key of a mapping: its name, the key node and the value node.
  using KeyVisitor =
      std::function<void(const std::string& key, const YAML::Node& key_node, const YAML::Node& value)>;

  YamlReader(std::string file, const EnvExpander& env) : file_(std::move(file)), env_(env) {}

  /// Where a node was written, 1-based.
  static SourceMark MarkOf(const YAML::Node& node);

  /// Parses `yaml`, which must hold one document; records a syntax error, or a second
  /// document with `several_documents` as the advice, and returns nullopt then.
  std::optional<YAML::Node> ParseDocument(std::string_view yaml,
                                          std::string_view several_documents);

  void Error(SourceMark mark, std::string message);
  /// Records an error at a value node (at its key when it is null).
  void Error(const YAML::Node& node, std::string message) {
    Error(ValueMark(node), std::move(message));
  }

  /// Whether `node` is a mapping; null counts as an empty one. Records an error otherwise.
  bool ExpectMap(const YAML::Node& node, std::string_view path);
  /// Whether `node` is a sequence; null counts as an empty one. Records an error otherwise.
  bool ExpectSequence(const YAML::Node& node, std::string_view path);

  /// Visits each entry of the mapping `node`. Keys must be scalars, unique, and in `known`
  /// (an empty `known` accepts any key); each bad key is an error with a "did you mean".
  void ForEachKey(const YAML::Node& node, std::string_view path,
                  std::span<const std::string_view> known, const KeyVisitor& visit);

  /// A scalar, `${VAR}`-expanded. With `allow_null`, a null value reads as "".
  std::optional<std::string> String(const YAML::Node& node, std::string_view path,
                                    bool allow_null = false);
  /// A decimal integer in [min, max].
  std::optional<std::uint64_t> Integer(const YAML::Node& node, std::string_view path,
                                       std::uint64_t min, std::uint64_t max);
  /// true/false (also yes/no, on/off), any case.
  std::optional<bool> Bool(const YAML::Node& node, std::string_view path);
  /// One of `values`, exactly; the error lists them and suggests the closest.
  std::optional<std::string> Enum(const YAML::Node& node, std::string_view path,
                                  std::span<const std::string_view> values);

  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  /// The value node's mark, or its key's when the value is null: yaml-cpp marks an
  /// implicit null ("key:" and nothing) at the start of the next line.
  SourceMark ValueMark(const YAML::Node& value) const;
  static std::string_view KindName(const YAML::Node& node);

  std::string file_;
  const EnvExpander& env_;
  Diagnostics diagnostics_;
  SourceMark current_key_;  ///< the key whose value is being visited, for nulls
};

}  // namespace limitsd::config
