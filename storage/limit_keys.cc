#include "storage/limit_keys.h"

#include <atomic>

#include "storage/memory/key_digest.h"

namespace limitsd::storage {
namespace {

// The per-process seed of the fixed parts: random, so that clients, who choose inline limit
// names, cannot precompute names whose hashes collide.
const memory::KeyHasher& PartsHasher() {
  static const memory::KeyHasher hasher = memory::KeyHasher::Random();
  return hasher;
}

std::atomic<std::uint64_t> last_keyed_id{0};

}  // namespace

std::uint64_t NewKeyedId() noexcept {
  return last_keyed_id.fetch_add(1, std::memory_order_relaxed) + 1;
}

KeyHash128 HashKeyName(std::string_view name) {
  const memory::KeyHasher::Lanes lanes = PartsHasher().NamePrefix(name);
  return {lanes.a, lanes.b};
}

KeyHash128 HashKeySuffix(std::string_view suffix) {
  const memory::KeyDigest d = PartsHasher().SuffixId(suffix);
  return {d.lo, d.hi};
}

LimitKeys::LimitKeys(std::string_view name, std::span<const std::string> suffixes,
                     std::span<const RateQuery> queries)
    : keyed(name.find(' ') == std::string_view::npos && suffixes.size() == queries.size()),
      name_hash(HashKeyName(name)),
      rates(queries.begin(), queries.end()),
      id(NewKeyedId()) {
  suffix_hashes.reserve(suffixes.size());
  for (const std::string& suffix : suffixes) {
    keyed = keyed && suffix.find('}') == std::string::npos;
    suffix_hashes.push_back(HashKeySuffix(suffix));
  }
  for (RateQuery& rate : rates) rate.key = {};
}

}  // namespace limitsd::storage
