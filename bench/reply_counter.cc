#include "bench/reply_counter.h"

#include <charconv>

namespace limitsd::bench {

// kinds: 'o' ok, 'd' deny, 'e' error
void ReplyCounter::Count(char kind, ReplyCounts& counts) {
  if (kind == 'd') {
    ++counts.deny;
  } else if (kind == 'e') {
    ++counts.error;
  } else {
    ++counts.ok;
  }
}

ReplyCounts ReplyCounter::Feed(std::string_view bytes) {
  ReplyCounts counts;
  while (!bytes.empty()) {
    if (bulk_left_ > 0) {
      const std::size_t skip = std::min<std::uint64_t>(bulk_left_, bytes.size());
      bytes.remove_prefix(skip);
      bulk_left_ -= skip;
      if (bulk_left_ == 0) Element('o', counts);
      continue;
    }
    const std::size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(bytes);
      break;
    }
    if (partial_.empty()) {
      Line(bytes.substr(0, nl), counts);
    } else {
      partial_.append(bytes.substr(0, nl));
      Line(partial_, counts);
      partial_.clear();
    }
    bytes.remove_prefix(nl + 1);
  }
  return counts;
}

void ReplyCounter::Line(std::string_view line, ReplyCounts& counts) {
  if (resp_) return RespLine(line, counts);
  if (line.empty()) return;
  Count(line[0] == 'D' ? 'd' : line[0] == 'E' ? 'e' : 'o', counts);
}

void ReplyCounter::RespLine(std::string_view line, ReplyCounts& counts) {
  if (line.empty()) return;
  std::int64_t n = 0;
  std::from_chars(line.data() + 1, line.data() + line.size(), n);
  switch (line[0]) {
    case '*':
      if (n <= 0) return Element('o', counts);
      array_left_ = n;
      array_kind_ = 0;
      return;
    case '$':
      if (n < 0) return Element('o', counts);
      bulk_left_ = static_cast<std::uint64_t>(n) + 2;
      return;
    case '-': return Element('e', counts);
    case ':': return Element(n == 0 ? 'd' : 'o', counts);
    default: return Element('o', counts);
  }
}

void ReplyCounter::Element(char kind, ReplyCounts& counts) {
  if (array_left_ == 0) return Count(kind, counts);
  if (array_kind_ == 0) array_kind_ = kind;
  if (--array_left_ == 0) Count(array_kind_, counts);
}

}  // namespace limitsd::bench
