#pragma once
// Serialises RFC 9651 Structured Field Lists: Items whose bare value is a String, each with
// Integer parameters, as the RateLimit-Policy and RateLimit header fields carry them:
//
//   "api:100/minute";q=100;w=60, "api:2000/hour";q=2000;w=3600
//
// Only what those fields need, written by the RFC's serialisation algorithms (section 4.1):
// a String holds printable ASCII with '"' and '\' escaped; an Integer has at most 15 digits;
// parameter keys are lower-case tokens; list members are joined with ", ".

#include <cstdint>
#include <string>
#include <string_view>

namespace limitsd::protocol {

class StructuredList {
 public:
  /// The largest magnitude an RFC 9651 Integer can hold (15 digits).
  static constexpr std::int64_t kMaxInteger = 999'999'999'999'999;

  /// Starts a new list member whose value is the String `value`. A byte outside printable
  /// ASCII (0x20-0x7e), which a String cannot hold, is written as '?'.
  StructuredList& Item(std::string_view value);
  /// Adds the parameter `key`=`value` to the current member. `key` must be a valid key
  /// (lower case letter or '*', then lower case letters, digits, '_', '-', '.', '*': the
  /// callers pass constants);
  /// `value` is clamped to +-kMaxInteger.
  StructuredList& Param(std::string_view key, std::int64_t value);

  const std::string& str() const noexcept { return text_; }
  bool empty() const noexcept { return text_.empty(); }

  /// Whether `key` is a valid parameter key.
  static bool IsKey(std::string_view key) noexcept;

 private:
  std::string text_;
};

}  // namespace limitsd::protocol
