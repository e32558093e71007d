#include "config/yaml_reader.h"

#include <charconv>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include "config/spelling.h"

namespace limitsd::config {
namespace {

// yaml-cpp 0.7 never returns from some malformed input (a "," where a block starts, as in
// ",\n- a"): it makes null nodes without end. A first pass hands the parser's events to
// this counter, which stops it once it has made more than any document of that size has.
class EventBudget : public YAML::EventHandler {
 public:
  explicit EventBudget(std::size_t bytes) : left_(4 * bytes + 64) {}
  YAML::Mark last() const { return last_; }

  void OnDocumentStart(const YAML::Mark& mark) override { Spend(mark); }
  void OnDocumentEnd() override { Spend(last_); }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Spend(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Spend(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Spend(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Spend(mark);
  }
  void OnSequenceEnd() override { Spend(last_); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Spend(mark);
  }
  void OnMapEnd() override { Spend(last_); }

  struct Exhausted {};

 private:
  void Spend(const YAML::Mark& mark) {
    last_ = mark;
    if (left_-- == 0) throw Exhausted{};
  }

  std::size_t left_;
  YAML::Mark last_ = YAML::Mark::null_mark();
};

// Whether yaml-cpp gets through `yaml` (syntax errors included: LoadAll reports them); when
// it does not, `where` is the last place it reached.
bool ParserEnds(std::string_view yaml, YAML::Mark& where) {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  EventBudget budget(yaml.size());
  try {
    while (parser.HandleNextDocument(budget)) {
    }
  } catch (const EventBudget::Exhausted&) {
    where = budget.last();
    return false;
  } catch (const YAML::Exception&) {
  }
  return true;
}

std::string Lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

SourceMark YamlReader::MarkOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

SourceMark YamlReader::ValueMark(const YAML::Node& value) const {
  if (value.IsNull() && current_key_.line > 0) return current_key_;
  return MarkOf(value);
}

std::string_view YamlReader::KindName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a single value";
    default: return "nothing";
  }
}

std::optional<YAML::Node> YamlReader::ParseDocument(std::string_view yaml,
                                                    std::string_view several_documents) {
  const auto mark_of = [](const YAML::Mark& mark) {
    return mark.is_null() ? SourceMark{} : SourceMark{mark.line + 1, mark.column + 1};
  };
  if (YAML::Mark where; !ParserEnds(yaml, where)) {
    Error(mark_of(where),
          "YAML syntax error: the parser cannot get past this point; check for "
          "a stray ',', ']' or '}' on or just before this line");
    return std::nullopt;
  }
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
    if (documents.size() > 1) {
      // A second document would be ignored: say so rather than run half the file.
      Error(mark_of(documents[1].Mark()), "the file holds more than one YAML document ('---'); " +
                                              std::string(several_documents));
      return std::nullopt;
    }
    return documents.empty() ? YAML::Node() : documents.front();
  } catch (const YAML::Exception& error) {
    Error(mark_of(error.mark), "YAML syntax error: " + error.msg +
                                   "; check the indentation, quotes and brackets on or just "
                                   "before this line");
    return std::nullopt;
  }
}

void YamlReader::Error(SourceMark mark, std::string message) {
  diagnostics_.push_back(Diagnostic{file_, mark.line, mark.column, std::move(message)});
}

bool YamlReader::ExpectMap(const YAML::Node& node, std::string_view path) {
  if (node.IsMap() || node.IsNull()) return true;
  Error(node, fmt::format("\"{}\" must be a mapping (indented \"key: value\" lines or "
                          "{{ key: value }}), got {}",
                          path, KindName(node)));
  return false;
}

bool YamlReader::ExpectSequence(const YAML::Node& node, std::string_view path) {
  if (node.IsSequence() || node.IsNull()) return true;
  Error(node, fmt::format("\"{}\" must be a list (\"- item\" lines or [a, b]), got {}", path,
                          KindName(node)));
  return false;
}

void YamlReader::ForEachKey(const YAML::Node& node, std::string_view path,
                            std::span<const std::string_view> known, const KeyVisitor& visit) {
  if (!node.IsMap()) return;
  std::set<std::string, std::less<>> seen;
  const SourceMark saved = current_key_;
  for (const auto& entry : node) {
    const YAML::Node key = entry.first;  // copies: yaml-cpp iterators yield temporary proxies
    const YAML::Node value = entry.second;
    if (!key.IsScalar()) {
      Error(MarkOf(key), fmt::format("a key in \"{}\" must be a plain name, got {}", path,
                                     KindName(key)));
      continue;
    }
    const std::string& name = key.Scalar();
    const std::string where = path.empty() ? std::string("the top level") : fmt::format("\"{}\"", path);
    if (!seen.insert(name).second) {
      Error(MarkOf(key), fmt::format("duplicate key \"{}\" in {}: keep only one", name, where));
      continue;
    }
    bool is_known = known.empty();
    for (std::string_view candidate : known) is_known = is_known || candidate == name;
    if (!is_known) {
      const std::optional<std::string> guess = ClosestMatch(name, known);
      Error(MarkOf(key), guess ? fmt::format("unknown key \"{}\" in {}: did you mean \"{}\"?",
                                             name, where, *guess)
                               : fmt::format("unknown key \"{}\" in {}: the keys allowed here "
                                             "are {}",
                                             name, where, JoinNames(known)));
      continue;
    }
    current_key_ = MarkOf(key);
    visit(name, key, value);
  }
  current_key_ = saved;
}

std::optional<std::string> YamlReader::String(const YAML::Node& node, std::string_view path,
                                              bool allow_null) {
  if (node.IsNull() && allow_null) return std::string();
  if (!node.IsScalar()) {
    Error(node, fmt::format("\"{}\" needs a single value, got {}", path, KindName(node)));
    return std::nullopt;
  }
  EnvExpander::Result expanded = env_.Expand(node.Scalar());
  if (!expanded.value) {
    Error(node, fmt::format("in \"{}\": {}", path, expanded.error));
    return std::nullopt;
  }
  return std::move(expanded.value);
}

std::optional<std::uint64_t> YamlReader::Integer(const YAML::Node& node, std::string_view path,
                                                 std::uint64_t min, std::uint64_t max) {
  const std::optional<std::string> text = String(node, path);
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  const char* end = text->data() + text->size();
  auto [stop, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || stop != end || value < min || value > max) {
    Error(node, fmt::format("\"{}\" must be a whole number from {} to {}, got \"{}\"", path, min,
                            max, *text));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlReader::Bool(const YAML::Node& node, std::string_view path) {
  const std::optional<std::string> text = String(node, path);
  if (!text) return std::nullopt;
  const std::string lowered = Lowered(*text);
  if (lowered == "true" || lowered == "yes" || lowered == "on") return true;
  if (lowered == "false" || lowered == "no" || lowered == "off") return false;
  Error(node, fmt::format("\"{}\" must be true or false, got \"{}\"", path, *text));
  return std::nullopt;
}

std::optional<std::string> YamlReader::Enum(const YAML::Node& node, std::string_view path,
                                            std::span<const std::string_view> values) {
  std::optional<std::string> text = String(node, path);
  if (!text) return std::nullopt;
  for (std::string_view value : values) {
    if (value == *text) return text;
  }
  const std::optional<std::string> guess = ClosestMatch(*text, values);
  Error(node, fmt::format("\"{}\" must be one of {}; got \"{}\"{}", path, JoinNames(values),
                          *text, guess ? fmt::format(" (did you mean \"{}\"?)", *guess) : ""));
  return std::nullopt;
}

}  // namespace limitsd::config
