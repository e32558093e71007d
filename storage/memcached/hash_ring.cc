#include "storage/memcached/hash_ring.h"

#include <algorithm>

namespace limitsd::storage::memcached {

HashRing::HashRing(const std::vector<std::string>& names, int virtual_nodes)
    : single_(names.size() <= 1) {
  points_.reserve(names.size() * static_cast<std::size_t>(virtual_nodes));
  for (std::size_t server = 0; server < names.size(); ++server) {
    for (int i = 0; i < virtual_nodes; ++i) {
      const std::string label = names[server] + "#" + std::to_string(i);
      points_.push_back({Hash(label), static_cast<std::uint32_t>(server)});
    }
  }
  // Ties (vanishingly rare) are broken by name, not by position, so order does not matter.
  std::sort(points_.begin(), points_.end(), [&names](const Point& a, const Point& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    return names[a.server] < names[b.server];
  });
}

std::size_t HashRing::Locate(std::string_view key) const noexcept {
  if (single_ || points_.empty()) return 0;
  const std::uint64_t h = Hash(key);
  auto it = std::lower_bound(points_.begin(), points_.end(), h,
                             [](const Point& p, std::uint64_t v) { return p.hash < v; });
  if (it == points_.end()) it = points_.begin();
  return it->server;
}

std::uint64_t HashRing::Hash(std::string_view data) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace limitsd::storage::memcached
