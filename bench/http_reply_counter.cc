#include "bench/http_reply_counter.h"

#include <algorithm>
#include <cctype>

namespace limitsd::bench {
namespace {

// The value of Content-Length in a header block (lower-cased), 0 when absent.
std::uint64_t ContentLength(const std::string& lower) {
  const std::size_t at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  std::uint64_t n = 0;
  for (std::size_t i = at + 17; i < lower.size(); ++i) {
    const char c = lower[i];
    if (c == ' ') continue;
    if (c < '0' || c > '9') break;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

ReplyCounts HttpReplyCounter::Feed(std::string_view bytes) {
  ReplyCounts counts;
  while (!bytes.empty()) {
    if (body_left_ > 0) {
      const std::size_t skip = std::min<std::uint64_t>(body_left_, bytes.size());
      bytes.remove_prefix(skip);
      body_left_ -= skip;
      continue;
    }
    // The end of the header block may straddle two reads: search from a little before.
    const std::size_t from = head_.size() < 3 ? 0 : head_.size() - 3;
    head_.append(bytes);
    const std::size_t end = head_.find("\r\n\r\n", from);
    if (end == std::string::npos) break;
    const std::size_t used = end + 4 - (head_.size() - bytes.size());
    Head(std::string_view(head_).substr(0, end + 2), counts);
    head_.clear();
    bytes.remove_prefix(used);
  }
  return counts;
}

void HttpReplyCounter::Head(std::string_view head, ReplyCounts& counts) {
  std::string lower(head);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  body_left_ = ContentLength(lower);
  const std::string_view status = head.size() >= 12 ? head.substr(9, 3) : std::string_view();
  if (status == "100") return;  // an interim response: the final one follows
  if (status == "200") {
    ++counts.ok;
  } else if (status == "429") {
    ++counts.deny;
  } else {
    ++counts.error;
  }
}

}  // namespace limitsd::bench
