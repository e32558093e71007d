#pragma once
// Consistent hashing of memcached keys over several servers.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace limitsd::storage::memcached {

/// A hash ring with virtual nodes: each server owns `virtual_nodes` points placed by hashing
/// "<name>#<i>"; a key belongs to the server owning the first point at or after the key's
/// hash. Adding one server to n moves about 1/(n+1) of the keys, all of them to the new
/// server. Placement depends only on the server names, so every daemon configured with the
/// same servers agrees, whatever their order.
class HashRing {
 public:
  /// `names`: one per server, e.g. "10.0.0.1:11211"; must not be empty.
  HashRing(const std::vector<std::string>& names, int virtual_nodes);

  /// The index in `names` of the server owning `key`.
  std::size_t Locate(std::string_view key) const noexcept;

  /// A stable 64-bit hash (FNV-1a folded through a MurmurHash3 finalizer), the same on every
  /// platform and in every daemon.
  static std::uint64_t Hash(std::string_view data) noexcept;

 private:
  struct Point {
    std::uint64_t hash;
    std::uint32_t server;
  };
  std::vector<Point> points_;
  bool single_ = true;
};

}  // namespace limitsd::storage::memcached
