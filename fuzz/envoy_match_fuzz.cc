// libFuzzer target: how an Envoy rate limit request's descriptor finds its rule
// (EnvoyRules::Match, config/envoy_rules.h), on fixed rules with every kind of rule (exact,
// wildcard, key only, nested), and the wildcard matcher against a plain reference. Input:
// text lines; the first is "PATTERN<TAB>TEXT" for the wildcard check, each other one
// "key=value", the entries of one descriptor, matched in every domain. Checks, besides the
// sanitizers: each rule of the walk is the child of the one before and matches its entry,
// and a rule applies only at the descriptor's last entry and has a rate_limit.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "config/envoy_rules.h"
#include "config/envoy_rules_loader.h"

namespace {

using limitsd::config::EnvoyEntry;
using limitsd::config::EnvoyRule;

constexpr const char* kRules = R"(domain: web
descriptors:
  - key: path
    value: /login
    rate_limit: { unit: minute, requests_per_unit: 5 }
  - key: path
    value: "/api/*"
    share_threshold: true
    rate_limit: { unit: second, requests_per_unit: 50 }
  - key: path
    value: "*.png"
    rate_limit: { unit: second, requests_per_unit: 9 }
  - key: path
    rate_limit: { unit: hour, requests_per_unit: 100 }
  - key: user
    descriptors:
      - key: plan
        value: free
        rate_limit: { unit: hour, requests_per_unit: 10 }
      - key: plan
        value: "t*l*"
        rate_limit: { unit: day, requests_per_unit: 3 }
      - key: plan
        descriptors:
          - key: region
            rate_limit: { unit: second, requests_per_unit: 1 }
  - key: user
    value: "*"
    rate_limit: { unit: minute, requests_per_unit: 20 }
)";

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

// `*` matches any run of characters: the textbook dynamic program.
bool ReferenceWildcard(std::string_view pattern, std::string_view text) {
  std::vector<char> row(text.size() + 1, 0), next(text.size() + 1, 0);
  row[0] = 1;
  for (char p : pattern) {
    next.assign(text.size() + 1, 0);
    next[0] = p == '*' && row[0];
    for (std::size_t t = 1; t <= text.size(); ++t) {
      next[t] = p == '*' ? (row[t] || next[t - 1]) : (row[t - 1] && text[t - 1] == p);
    }
    row.swap(next);
  }
  return row[text.size()] != 0;
}

const limitsd::config::EnvoyRules& Rules() {
  static const auto* rules = [] {
    auto loaded = limitsd::config::EnvoyRulesLoader().LoadString(kRules, "rules.yaml");
    if (!loaded.rules) {
      throw std::runtime_error(limitsd::config::FormatDiagnostics(loaded.errors));
    }
    return new std::shared_ptr<const limitsd::config::EnvoyRules>(loaded.rules);
  }();
  return **rules;
}

// Whether `rule` may be the one `entry` selects. As in the reference, rules without a
// wildcard are found by name, "key_value" (or "key" for a key-only rule), looked up as the
// entry's "key_value" and then as its key alone; so the entry {a_b, x} finds rule {a, b}.
bool Selects(const EnvoyRule& rule, const EnvoyEntry& entry) {
  if (rule.wildcard) return rule.key == entry.key && ReferenceWildcard(rule.value, entry.value);
  const std::string name = rule.value.empty() ? rule.key : rule.key + "_" + rule.value;
  return name == std::string(entry.key) + "_" + std::string(entry.value) || name == entry.key;
}

bool IsChild(const EnvoyRule& parent, const EnvoyRule* child) {
  for (const EnvoyRule& c : parent.children) {
    if (&c == child) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t first_end = std::min(input.find('\n'), input.size());
  const std::string_view first = input.substr(0, first_end);
  const std::size_t tab = first.find('\t');
  if (tab != std::string_view::npos && first.size() <= 128) {
    const std::string_view pattern = first.substr(0, tab), text = first.substr(tab + 1);
    Check(limitsd::config::WildcardMatch(pattern, text) == ReferenceWildcard(pattern, text));
  }
  std::vector<EnvoyEntry> entries;
  for (std::size_t at = first_end + 1; at < input.size();) {
    const std::size_t end = std::min(input.find('\n', at), input.size());
    const std::string_view line = input.substr(at, end - at);
    const std::size_t eq = line.find('=');
    entries.push_back({line.substr(0, eq), eq == std::string_view::npos ? "" : line.substr(eq + 1)});
    at = end + 1;
  }
  for (const auto& domain : Rules().domains()) {
    const limitsd::config::EnvoyMatch match = Rules().Match(domain, entries);
    Check(match.walk.size() <= entries.size());
    const EnvoyRule* parent = &domain.root;
    for (std::size_t i = 0; i < match.walk.size(); ++i) {
      Check(IsChild(*parent, match.walk[i]));
      Check(Selects(*match.walk[i], entries[i]));
      parent = match.walk[i];
    }
    if (match.rule != nullptr) {
      Check(match.rule->rate_limit.has_value());
      Check(match.walk.size() == entries.size() && match.walk.back() == match.rule);
    }
  }
  return 0;
}
