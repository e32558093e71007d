#include "limits/rate_parser.h"

#include <optional>

namespace limitsd::limits {
namespace {

bool IsBlank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSeparator(char c) noexcept { return c == ';' || c == ',' || c == '|'; }

// A cursor over one rate expression:
// \s*([0-9]+)\s*(/|\s*per\s*)\s*([0-9]+)?\s*([a-z]+)\s*
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }
  std::string_view Take(bool (*pred)(char) noexcept) {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && pred(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  bool Accept(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) return ++pos_, true;
    return false;
  }
  bool AcceptPer() {
    if (text_.size() - pos_ < 3) return false;
    const std::string_view w = text_.substr(pos_, 3);
    const bool per = (w[0] | 0x20) == 'p' && (w[1] | 0x20) == 'e' && (w[2] | 0x20) == 'r';
    if (per) pos_ += 3;
    return per;
  }
  bool AtEnd() const noexcept { return pos_ == text_.size(); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Digits to a number, saturating far above any bound we accept.
std::int64_t ToNumber(std::string_view digits) noexcept {
  std::int64_t value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
    if (value > 1'000'000'000'000'000LL) return 1'000'000'000'000'000LL;
  }
  return value;
}

struct Expression {
  std::string_view amount, multiples, unit;
};

std::optional<Expression> ScanExpression(std::string_view piece) {
  Scanner s(piece);
  Expression e;
  s.SkipBlanks();
  e.amount = s.Take(IsDigit);
  if (e.amount.empty()) return std::nullopt;
  s.SkipBlanks();
  if (!s.Accept('/') && !s.AcceptPer()) return std::nullopt;
  s.SkipBlanks();
  e.multiples = s.Take(IsDigit);
  s.SkipBlanks();
  e.unit = s.Take(IsAlpha);
  if (e.unit.empty()) return std::nullopt;
  s.SkipBlanks();
  if (!s.AtEnd()) return std::nullopt;
  return e;
}

// Splits on separators. limits' grammar lets one ':' stand right before a separator (a typo
// in its regex, "(:?" for "(?:"), so "10/day:;5/hour" is two rates; we accept it too.
std::vector<std::string_view> SplitPieces(std::string_view text) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && !IsSeparator(text[i])) continue;
    std::string_view piece = text.substr(start, i - start);
    if (i < text.size() && !piece.empty() && piece.back() == ':') piece.remove_suffix(1);
    pieces.push_back(piece);
    start = i + 1;
  }
  return pieces;
}

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

RateParseResult ParseRates(std::string_view text) {
  RateParseResult result;
  const std::string cannot = "couldn't parse rate limit string " + Quote(text);
  for (std::string_view piece : SplitPieces(text)) {
    const std::optional<Expression> e = ScanExpression(piece);
    if (!e) return {{}, cannot};
    const Granularity* granularity = GranularityFromString(e->unit);
    if (granularity == nullptr) {
      return {{}, "no granularity matched for " + Quote(e->unit) + " in " + Quote(text) +
                      " (use second, minute, hour, day, month or year)"};
    }
    const std::int64_t amount = ToNumber(e->amount);
    if (amount < 1 || amount > kMaxAmount) {
      return {{}, "amount " + std::string(e->amount) + " in " + Quote(text) +
                      " is out of range (1 to 1000000000)"};
    }
    const std::int64_t multiples = e->multiples.empty() ? 1 : ToNumber(e->multiples);
    if (multiples == 0) {
      return {{}, "window of " + std::string(piece) + " in " + Quote(text) +
                      " is zero long: write at least 1 (e.g. 5/1minute or 5/minute)"};
    }
    if (multiples > kMaxWindowSeconds / granularity->seconds) {
      return {{}, "window of " + std::string(piece) + " in " + Quote(text) +
                      " is longer than 10 years"};
    }
    result.items.emplace_back(amount, multiples, *granularity);
  }
  return result;
}

std::optional<std::int64_t> ParseWindowSeconds(std::string_view text) {
  // One unit per that window, parsed as a rate: the same words and bounds as a rate's.
  if (text.find_first_of(";,|/") != std::string_view::npos) return std::nullopt;
  const RateParseResult parsed = ParseRates("1/" + std::string(text));
  if (!parsed.ok() || parsed.items.size() != 1) return std::nullopt;
  return parsed.items.front().ExpirySeconds();
}

}  // namespace limitsd::limits
