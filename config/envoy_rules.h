#pragma once
// The rules of envoyproxy/ratelimit's YAML configuration as plain data, and how a request's
// descriptor finds its rule. EnvoyRulesLoader (envoy_rules_loader.h) fills them; nothing
// here does I/O.
//
// Matching, as the reference does it: for each entry of the descriptor, in order, the
// children of the rule matched so far are searched for the exact "key_value", then for the
// wildcard values (`*` matches any run of characters, anywhere in the value) in the order
// they were written, then for the key alone (a rule without `value`). A rate_limit applies
// only when it sits at the rule matched by the descriptor's last entry: a rule applies at
// the depth it is declared.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "config/config.h"

namespace limitsd::config {

/// A `rate_limit` block of a rule.
struct EnvoyRateLimit {
  std::string unit;  ///< lower case: second, minute, hour, day, week, month, year; or empty
  std::uint32_t requests_per_unit = 0;
  std::string name;
  bool unlimited = false;
  std::vector<std::string> replaces;  ///< names of rules this one replaces
  std::string strategy;               ///< limitsd extension; empty: the daemon's default strategy
  std::string rate;                   ///< limitsd extension: a rate string, `;` between several
  SourceMark mark;                    ///< where `rate_limit` was written
  SourceMark strategy_mark;
  SourceMark rate_mark;
};

/// One entry of `descriptors`, with the rules nested under it.
struct EnvoyRule {
  std::string key;
  std::string value;      ///< empty: a rule for the key alone (any value)
  bool wildcard = false;  ///< `value` holds a '*'
  std::optional<EnvoyRateLimit> rate_limit;
  bool shadow_mode = false;
  bool quota_mode = false;
  bool detailed_metric = false;
  bool share_threshold = false;
  std::vector<EnvoyRule> children;
  std::size_t id = 0;  ///< position in load order among every rule of every domain
  std::string path;    ///< "domain.key_value.key", for messages
  std::string file;
  SourceMark mark;  ///< where `key` was written

  /// Child index by "key_value" (exact values) and by "key" (key-only rules).
  std::unordered_map<std::string, std::size_t> exact;
  /// Indexes of the children with a wildcard value, in load order.
  std::vector<std::size_t> wildcards;
};

struct EnvoyDomain {
  std::string name;
  EnvoyRule root;  ///< its children are the domain's top-level descriptors
  std::string file;
  SourceMark mark;
};

/// One entry of a request's descriptor.
struct EnvoyEntry {
  std::string_view key;
  std::string_view value;
};

struct EnvoyMatch {
  /// The rule whose rate_limit applies, or null when none does.
  const EnvoyRule* rule = nullptr;
  /// The rule matched at each depth of the walk, up to the last entry (or where it stopped).
  boost::container::small_vector<const EnvoyRule*, 4> walk;
};

/// `*` in `pattern` matches any run of characters (none included); everything else itself.
bool WildcardMatch(std::string_view pattern, std::string_view text) noexcept;

class EnvoyRules {
 public:
  EnvoyRules() = default;
  /// Numbers the rules and indexes the domains; the children indexes (`exact`,
  /// `wildcards`) must be filled already.
  explicit EnvoyRules(std::vector<EnvoyDomain> domains);
  // rules() points into domains_: a copy would point into the original.
  EnvoyRules(const EnvoyRules&) = delete;
  EnvoyRules& operator=(const EnvoyRules&) = delete;
  EnvoyRules(EnvoyRules&&) = default;
  EnvoyRules& operator=(EnvoyRules&&) = default;

  const EnvoyDomain* FindDomain(std::string_view name) const;
  /// The rule for a descriptor of `domain` (see the file comment).
  EnvoyMatch Match(const EnvoyDomain& domain, std::span<const EnvoyEntry> entries) const;

  const std::vector<EnvoyDomain>& domains() const noexcept { return domains_; }
  /// Every rule of every domain, in load order (`rules()[r.id] == &r`).
  const std::vector<const EnvoyRule*>& rules() const noexcept { return rules_; }

 private:
  std::vector<EnvoyDomain> domains_;
  std::unordered_map<std::string, std::size_t> by_name_;
  std::vector<const EnvoyRule*> rules_;
};

}  // namespace limitsd::config
