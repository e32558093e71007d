#include "config/env_expander.h"

#include <cstdlib>
#include <utility>

#include <fmt/format.h>

namespace limitsd::config {
namespace {

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

std::optional<std::string> GetEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

EnvExpander::EnvExpander() : lookup_(GetEnv) {}

EnvExpander::EnvExpander(Lookup lookup) : lookup_(std::move(lookup)) {}

bool EnvExpander::MayExpand(std::string_view text) {
  return text.find("${") != std::string_view::npos;
}

EnvExpander::Result EnvExpander::Expand(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] != '$') {
      out += text[pos++];
    } else if (text.substr(pos, 3) == "$${") {
      out += "${";
      pos += 3;
    } else if (text.substr(pos, 2) == "${") {
      std::string error;
      std::optional<std::size_t> next = ExpandReference(text, pos, out, error);
      if (!next) return Result{std::nullopt, std::move(error)};
      pos = *next;
    } else {
      out += text[pos++];
    }
  }
  return Result{std::move(out), {}};
}

std::optional<std::size_t> EnvExpander::ExpandReference(std::string_view text, std::size_t pos,
                                                        std::string& out,
                                                        std::string& error) const {
  const std::size_t close = text.find('}', pos + 2);
  if (close == std::string_view::npos) {
    error = fmt::format("unterminated \"${{\" in \"{}\": close it with '}}', or write \"$${{\" "
                        "for a literal \"${{\"",
                        text);
    return std::nullopt;
  }
  const std::string_view inside = text.substr(pos + 2, close - pos - 2);
  const std::size_t fallback_at = inside.find(":-");
  const std::string_view name = inside.substr(0, fallback_at);
  bool valid = !name.empty() && IsNameStart(name[0]);
  for (char c : name) valid = valid && IsNameChar(c);
  if (!valid) {
    error = fmt::format("bad environment variable name \"{}\" in \"{}\": use letters, digits "
                        "and '_', or write \"$${{\" for a literal \"${{\"",
                        name, text);
    return std::nullopt;
  }
  std::optional<std::string> value = lookup_(std::string(name));
  if (fallback_at != std::string_view::npos) {
    out += (value && !value->empty()) ? *value : std::string(inside.substr(fallback_at + 2));
  } else if (value) {
    out += *value;
  } else {
    error = fmt::format("environment variable {} is not set: set it, give a fallback with "
                        "${{{}:-value}}, or write $${{{}}} for a literal \"${{{}}}\"",
                        name, name, name, name);
    return std::nullopt;
  }
  return close + 1;
}

}  // namespace limitsd::config
