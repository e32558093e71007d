#pragma once
// The storage key of one rate, and its hash tag: written here, read here.
//
//   {<limit> <key>}/<strategy>/<amount>/<multiples>/<granularity>
//
// The hash tag (the bytes between the first '{' and the next '}', as Redis Cluster defines
// it) covers the limit and the key, so every rate of one request lands in one memory shard,
// one Redis Cluster slot and one memcached item; the rest makes counters of different
// strategies and rates distinct. limits::Limit writes keys with WriteStorageKey; the stores
// find a key's tag with HashTag.

#include <cstddef>
#include <cstring>
#include <string_view>

namespace limitsd::storage {

/// The bytes WriteStorageKey writes.
constexpr std::size_t StorageKeySize(std::string_view limit, std::string_view key,
                                     std::string_view suffix) noexcept {
  return 1 + limit.size() + 1 + key.size() + 1 + suffix.size();  // '{', ' ', '}'
}

/// Writes "{<limit> <key>}<suffix>" at `out` (StorageKeySize bytes); returns the end.
/// `suffix` is "/<strategy>/<rate>".
inline char* WriteStorageKey(std::string_view limit, std::string_view key,
                             std::string_view suffix, char* out) noexcept {
  const auto put = [&out](std::string_view bytes) {
    std::memcpy(out, bytes.data(), bytes.size());
    out += bytes.size();
  };
  *out++ = '{';
  put(limit);
  *out++ = ' ';
  put(key);
  *out++ = '}';
  put(suffix);
  return out;
}

/// Where the hash tag of `key` is: `open` is the first '{', `close` the next '}'; npos
/// both when the key has no non-empty tag.
struct HashTagSpan {
  std::size_t open = std::string_view::npos;
  std::size_t close = std::string_view::npos;
  constexpr bool found() const noexcept { return open != std::string_view::npos; }
};

constexpr HashTagSpan FindHashTag(std::string_view key) noexcept {
  // The keys WriteStorageKey writes start with their tag: no search for the '{'.
  const std::size_t open = !key.empty() && key.front() == '{' ? 0 : key.find('{');
  if (open == std::string_view::npos) return {};
  const std::size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return {};
  return {open, close};
}

/// The hash tag of `key` without its braces, or the whole key when it has no non-empty tag:
/// keys with the same tag land together.
constexpr std::string_view HashTag(std::string_view key) noexcept {
  const HashTagSpan tag = FindHashTag(key);
  return tag.found() ? key.substr(tag.open + 1, tag.close - tag.open - 1) : key;
}

}  // namespace limitsd::storage
