#include "config/envoy_rules_loader.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/yaml_reader.h"

namespace limitsd::config {
namespace {

constexpr std::array<std::string_view, 2> kFileKeys = {"domain", "descriptors"};
constexpr std::array<std::string_view, 10> kRuleKeys = {
    "key",        "value",           "rate_limit",      "descriptors", "shadow_mode",
    "quota_mode", "detailed_metric", "share_threshold", "metadata",    "value_to_metric"};
constexpr std::array<std::string_view, 7> kRateLimitKeys = {
    "unit", "requests_per_unit", "name", "unlimited", "replaces", "strategy", "rate"};
constexpr std::array<std::string_view, 1> kReplacesKeys = {"name"};
constexpr std::array<std::string_view, 7> kUnits = {"second", "minute", "hour", "day",
                                                    "week",   "month",  "year"};

std::string Lowered(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// "FILE:LINE:COL" of a mark, for messages that point at a second place.
std::string Place(const std::string& file, SourceMark mark) {
  return fmt::format("{}:{}:{}", file, mark.line, mark.column);
}

}  // namespace

/// Reads one file's domain and rules, collecting errors in its reader.
class EnvoyRulesLoader::FileParser {
 public:
  FileParser(YamlReader& reader, const std::string& file) : reader_(reader), file_(file) {}

  std::optional<EnvoyDomain> Parse(const YAML::Node& root) {
    if (!reader_.ExpectMap(root, "the ratelimit configuration")) return std::nullopt;
    EnvoyDomain domain;
    domain.file = file_;
    bool has_domain = false;
    reader_.ForEachKey(
        root, "", kFileKeys,
        [&](const std::string& key, const YAML::Node& key_node, const YAML::Node& value) {
          if (key == "domain") {
            has_domain = true;
            domain.mark = YamlReader::MarkOf(key_node);
            std::optional<std::string> name = reader_.String(value, "domain", true);
            if (name && name->empty()) {
              reader_.Error(value,
                            "\"domain\" must not be empty: name the domain Envoy's "
                            "rate limit filter sends, e.g. domain: envoy");
            } else if (name) {
              domain.name = std::move(*name);
            }
          }
          if (key == "descriptors") ParseList(value, "", domain.root);
        });
    if (!has_domain) {
      reader_.Error(SourceMark{1, 1}, "the file has no \"domain\": add one, e.g. domain: envoy");
    }
    for (EnvoyRule& rule : domain.root.children) Prefix(rule, domain.name);
    if (domain.name.empty()) return std::nullopt;
    return domain;
  }

 private:
  void ParseList(const YAML::Node& node, const std::string& path, EnvoyRule& parent) {
    if (!reader_.ExpectSequence(node, path.empty() ? "descriptors" : path + ".descriptors")) return;
    std::map<std::string, SourceMark> seen;
    for (const YAML::Node& item : node) {
      EnvoyRule rule;
      if (!ParseRule(item, path, rule)) continue;
      const std::string composite = rule.value.empty() ? rule.key : rule.key + "_" + rule.value;
      auto [it, fresh] = seen.emplace(composite, rule.mark);
      if (!fresh) {
        reader_.Error(rule.mark, fmt::format("duplicate descriptor composite key \"{}\" (also at "
                                             "{}): merge the two rules",
                                             rule.path, Place(file_, it->second)));
        continue;
      }
      const std::size_t index = parent.children.size();
      if (rule.wildcard) {
        parent.wildcards.push_back(index);
      } else {
        parent.exact.emplace(composite, index);
      }
      parent.children.push_back(std::move(rule));
    }
  }

  bool ParseRule(const YAML::Node& node, const std::string& parent_path, EnvoyRule& rule) {
    if (!reader_.ExpectMap(node, "a descriptor")) return false;
    rule.file = file_;
    rule.mark = YamlReader::MarkOf(node);
    bool has_key = false;
    YAML::Node children;
    SourceMark share_mark;
    reader_.ForEachKey(
        node, "descriptor", kRuleKeys,
        [&](const std::string& key, const YAML::Node& key_node, const YAML::Node& value) {
          if (key == "key") {
            has_key = true;
            rule.mark = YamlReader::MarkOf(key_node);
            if (auto text = reader_.String(value, "key", true)) rule.key = std::move(*text);
          }
          if (key == "value") {
            if (auto text = reader_.String(value, "value", true)) rule.value = std::move(*text);
          }
          if (key == "rate_limit") ParseRateLimit(value, rule);
          if (key == "descriptors") children = value;
          if (key == "shadow_mode") Flag(value, key, rule.shadow_mode);
          if (key == "quota_mode") Flag(value, key, rule.quota_mode);
          if (key == "detailed_metric") Flag(value, key, rule.detailed_metric);
          if (key == "share_threshold") {
            Flag(value, key, rule.share_threshold);
            share_mark = YamlReader::MarkOf(key_node);
          }
          if (key == "metadata" || key == "value_to_metric") {
            reader_.Error(YamlReader::MarkOf(key_node),
                          fmt::format("\"{}\" is not implemented by limitsd: remove it (see "
                                      "docs/envoy.md, \"What differs\")",
                                      key));
          }
        });
    if (!has_key || rule.key.empty()) {
      reader_.Error(rule.mark,
                    "a descriptor has an empty or missing \"key\": every descriptor "
                    "needs one, e.g. key: remote_address");
      return false;
    }
    rule.wildcard = rule.value.find('*') != std::string::npos;
    rule.path = parent_path + (parent_path.empty() ? "" : ".") +
                (rule.value.empty() ? rule.key : rule.key + "_" + rule.value);
    if (rule.share_threshold && !rule.wildcard) {
      reader_.Error(share_mark, fmt::format("\"share_threshold\" on \"{}\" needs a wildcard value "
                                            "(with '*'): it makes the values that match it share "
                                            "one counter",
                                            rule.path));
    }
    CheckReplaces(rule);
    if (children) ParseList(children, rule.path, rule);
    return true;
  }

  void ParseRateLimit(const YAML::Node& node, EnvoyRule& rule) {
    if (!reader_.ExpectMap(node, "rate_limit")) return;
    EnvoyRateLimit limit;
    limit.mark = YamlReader::MarkOf(node);
    std::string unit;
    SourceMark unit_mark;
    bool has_unit = false, has_amount = false;
    reader_.ForEachKey(
        node, "rate_limit", kRateLimitKeys,
        [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
          if (key == "unit") {
            has_unit = true;
            unit_mark = YamlReader::MarkOf(value);
            if (auto text = reader_.String(value, "rate_limit.unit", true)) unit = Lowered(*text);
          }
          if (key == "requests_per_unit") {
            has_amount = true;
            if (auto n = reader_.Integer(value, "rate_limit.requests_per_unit", 0, UINT32_MAX)) {
              limit.requests_per_unit = static_cast<std::uint32_t>(*n);
            }
          }
          if (key == "name") {
            if (auto text = reader_.String(value, "rate_limit.name", true)) limit.name = *text;
          }
          if (key == "unlimited") Flag(value, "rate_limit.unlimited", limit.unlimited);
          if (key == "replaces") ParseReplaces(value, limit);
          if (key == "strategy") {
            limit.strategy_mark = YamlReader::MarkOf(value);
            if (auto text = reader_.String(value, "rate_limit.strategy")) limit.strategy = *text;
          }
          if (key == "rate") {
            limit.rate_mark = YamlReader::MarkOf(value);
            if (auto text = reader_.String(value, "rate_limit.rate")) limit.rate = *text;
          }
        });
    const bool valid_unit =
        std::find(kUnits.begin(), kUnits.end(), std::string_view(unit)) != kUnits.end();
    if (limit.unlimited) {
      if (valid_unit) {
        reader_.Error(unit_mark, "\"unit\" must not be set beside \"unlimited: true\": remove one");
      }
      if (!limit.rate.empty()) {
        reader_.Error(limit.rate_mark, "\"rate\" must not be set beside \"unlimited: true\"");
      }
    } else if (!limit.rate.empty()) {
      if (has_unit || has_amount) {
        reader_.Error(limit.rate_mark,
                      "\"rate\" replaces \"unit\" and \"requests_per_unit\": "
                      "write either the rate or those two");
      }
    } else if (!valid_unit) {
      reader_.Error(has_unit ? unit_mark : limit.mark,
                    fmt::format("invalid rate limit unit \"{}\": use second, minute, hour, day, "
                                "week, month or year (or limitsd's \"rate\")",
                                unit));
    } else {
      limit.unit = unit;
    }
    rule.rate_limit = std::move(limit);
  }

  void ParseReplaces(const YAML::Node& node, EnvoyRateLimit& limit) {
    if (!reader_.ExpectSequence(node, "rate_limit.replaces")) return;
    for (const YAML::Node& item : node) {
      if (!reader_.ExpectMap(item, "rate_limit.replaces[]")) continue;
      std::string name;
      reader_.ForEachKey(item, "rate_limit.replaces[]", kReplacesKeys,
                         [&](const std::string&, const YAML::Node&, const YAML::Node& value) {
                           if (auto text = reader_.String(value, "replaces.name", true)) {
                             name = *text;
                           }
                         });
      if (name.empty()) {
        reader_.Error(item,
                      "an entry of \"replaces\" needs a non-empty \"name\": the name of "
                      "the rule it replaces");
        continue;
      }
      limit.replaces.push_back(std::move(name));
    }
  }

  void CheckReplaces(const EnvoyRule& rule) {
    if (!rule.rate_limit || rule.rate_limit->name.empty()) return;
    const EnvoyRateLimit& limit = *rule.rate_limit;
    if (std::find(limit.replaces.begin(), limit.replaces.end(), limit.name) !=
        limit.replaces.end()) {
      reader_.Error(limit.mark, fmt::format("rule \"{}\" replaces its own name \"{}\": a rule "
                                            "cannot replace itself",
                                            rule.path, limit.name));
    }
  }

  void Flag(const YAML::Node& value, std::string_view path, bool& target) {
    if (auto flag = reader_.Bool(value, path)) target = *flag;
  }

  // Rule paths were built before the domain was known (keys may come before `domain`).
  static void Prefix(EnvoyRule& rule, const std::string& domain) {
    rule.path = domain + "." + rule.path;
    for (EnvoyRule& child : rule.children) Prefix(child, domain);
  }

  YamlReader& reader_;
  const std::string& file_;
};

namespace {

constexpr std::string_view kOneDomainPerFile = "write one domain per file";

struct FileList {
  std::vector<std::filesystem::path> files;
  Diagnostics errors;
};

FileList ListFiles(const EnvoyConfig& envoy, const std::string& source) {
  FileList out;
  for (std::size_t i = 0; i < envoy.config.size(); ++i) {
    const SourceMark mark = i < envoy.marks.size() ? envoy.marks[i] : SourceMark{};
    const std::filesystem::path path(envoy.config[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> found;
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) {
          found.push_back(entry.path());
        }
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        out.errors.push_back({source, mark.line, mark.column,
                              fmt::format("envoy.config: directory \"{}\" holds no .yaml or "
                                          ".yml file",
                                          path.string())});
      }
      out.files.insert(out.files.end(), found.begin(), found.end());
    } else if (std::filesystem::is_regular_file(path, ec)) {
      out.files.push_back(path);
    } else {
      out.errors.push_back({source, mark.line, mark.column,
                            fmt::format("envoy.config: \"{}\" is neither a file nor a directory "
                                        "that can be read",
                                        path.string())});
    }
  }
  return out;
}

}  // namespace

EnvoyRulesLoader::Result EnvoyRulesLoader::Load(const EnvoyConfig& envoy,
                                                const std::string& source) const {
  FileList list = ListFiles(envoy, source);
  Result result;
  result.errors = std::move(list.errors);
  std::vector<EnvoyDomain> domains;
  std::map<std::string, std::pair<std::string, SourceMark>> seen;
  for (const std::filesystem::path& file : list.files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::string name = file.string();
    if (!in && !in.eof()) {
      result.errors.push_back({name, 0, 0, "cannot read this ratelimit configuration file"});
      continue;
    }
    YamlReader reader(name, env_);
    std::optional<EnvoyDomain> domain;
    if (std::optional<YAML::Node> root = reader.ParseDocument(text.str(), kOneDomainPerFile)) {
      domain = FileParser(reader, name).Parse(*root);
    }
    for (Diagnostic& d : reader.diagnostics()) result.errors.push_back(std::move(d));
    if (!domain) continue;
    auto [it, fresh] = seen.emplace(domain->name, std::make_pair(name, domain->mark));
    if (!fresh) {
      result.errors.push_back(
          {name, domain->mark.line, domain->mark.column,
           fmt::format("duplicate domain \"{}\" (also in {}): one file "
                       "per domain",
                       domain->name, Place(it->second.first, it->second.second))});
      continue;
    }
    domains.push_back(std::move(*domain));
  }
  if (result.errors.empty()) result.rules = std::make_shared<const EnvoyRules>(std::move(domains));
  return result;
}

EnvoyRulesLoader::Result EnvoyRulesLoader::LoadString(std::string_view yaml,
                                                      const std::string& file) const {
  YamlReader reader(file, env_);
  std::optional<EnvoyDomain> domain;
  if (std::optional<YAML::Node> root = reader.ParseDocument(yaml, kOneDomainPerFile)) {
    domain = FileParser(reader, file).Parse(*root);
  }
  Result result;
  result.errors = std::move(reader.diagnostics());
  if (result.errors.empty() && domain) {
    std::vector<EnvoyDomain> domains;
    domains.push_back(std::move(*domain));
    result.rules = std::make_shared<const EnvoyRules>(std::move(domains));
  }
  return result;
}

}  // namespace limitsd::config
