#include "config/envoy_rules.h"

namespace limitsd::config {
namespace {

void Number(EnvoyRule& rule, std::vector<const EnvoyRule*>& rules) {
  for (EnvoyRule& child : rule.children) {
    child.id = rules.size();
    rules.push_back(&child);
    Number(child, rules);
  }
}

const EnvoyRule* Find(const EnvoyRule& parent, const std::string& key) {
  auto it = parent.exact.find(key);
  return it == parent.exact.end() ? nullptr : &parent.children[it->second];
}

// One step of the walk: the child of `parent` that `entry` selects, or null.
const EnvoyRule* Step(const EnvoyRule& parent, const EnvoyEntry& entry, std::string& scratch) {
  scratch.assign(entry.key);
  scratch += '_';
  scratch += entry.value;
  if (const EnvoyRule* exact = Find(parent, scratch)) return exact;
  for (std::size_t i : parent.wildcards) {
    const EnvoyRule& child = parent.children[i];
    if (child.key == entry.key && WildcardMatch(child.value, entry.value)) return &child;
  }
  scratch.assign(entry.key);
  return Find(parent, scratch);
}

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view text) noexcept {
  // Greedy with one backtrack point: the last '*' seen.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

EnvoyRules::EnvoyRules(std::vector<EnvoyDomain> domains) : domains_(std::move(domains)) {
  for (std::size_t i = 0; i < domains_.size(); ++i) {
    by_name_.emplace(domains_[i].name, i);
    Number(domains_[i].root, rules_);
  }
}

const EnvoyDomain* EnvoyRules::FindDomain(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &domains_[it->second];
}

EnvoyMatch EnvoyRules::Match(const EnvoyDomain& domain, std::span<const EnvoyEntry> entries) const {
  EnvoyMatch match;
  const EnvoyRule* parent = &domain.root;
  std::string scratch;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const EnvoyRule* next = Step(*parent, entries[i], scratch);
    if (next == nullptr) break;
    match.walk.push_back(next);
    if (i + 1 == entries.size() && next->rate_limit) match.rule = next;
    if (next->children.empty()) break;
    parent = next;
  }
  return match;
}

}  // namespace limitsd::config
