#include "protocol/structured_fields.h"

#include <algorithm>
#include <charconv>
#include <cassert>

namespace limitsd::protocol {
namespace {

bool IsLowerAlpha(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

StructuredList& StructuredList::Item(std::string_view value) {
  if (!text_.empty()) text_ += ", ";
  text_ += '"';
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) {
      text_ += '?';
      continue;
    }
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
  return *this;
}

StructuredList& StructuredList::Param(std::string_view key, std::int64_t value) {
  assert(IsKey(key));
  text_ += ';';
  text_.append(key);
  text_ += '=';
  value = std::clamp(value, -kMaxInteger, kMaxInteger);
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  text_.append(digits, end);
  return *this;
}

bool StructuredList::IsKey(std::string_view key) noexcept {
  if (key.empty() || !(IsLowerAlpha(key[0]) || key[0] == '*')) return false;
  return std::all_of(key.begin() + 1, key.end(), [](char c) {
    return IsLowerAlpha(c) || IsDigit(c) || c == '_' || c == '-' || c == '.' || c == '*';
  });
}

}  // namespace limitsd::protocol
