#pragma once
// Redis Cluster's key-to-slot mapping and the slot map of a cluster.

#include <hiredis/hiredis.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "storage/redis/redis_endpoint.h"

namespace limitsd::storage::redis {

inline constexpr std::size_t kClusterSlots = 16384;

/// CRC16 (XMODEM) of the key's hash tag (the text between the first '{' and the next '}'
/// when not empty, otherwise the whole key), modulo 16384.
std::uint16_t KeySlot(std::string_view key) noexcept;

/// Which master serves each slot.
class ClusterSlotMap {
 public:
  ClusterSlotMap() { owner_.fill(-1); }

  /// Reads a CLUSTER SLOTS reply; `asked` stands in for nodes reported without a host.
  /// False when the reply is not a slot map.
  bool Load(const redisReply& reply, const RedisEndpoint& asked);
  /// The master of `slot`, if known.
  const RedisEndpoint* Owner(std::uint16_t slot) const noexcept;
  /// Records a MOVED redirection.
  void Assign(std::uint16_t slot, const RedisEndpoint& endpoint);
  /// Every master that owns at least one slot.
  std::vector<RedisEndpoint> Masters() const;
  const std::vector<RedisEndpoint>& Nodes() const noexcept { return nodes_; }

 private:
  std::int16_t IndexOf(const RedisEndpoint& endpoint);

  std::array<std::int16_t, kClusterSlots> owner_;
  std::vector<RedisEndpoint> nodes_;
};

/// Parses "host:port" as found in MOVED / ASK errors ("[v6]:port" or "v6:port" too).
std::optional<RedisEndpoint> ParseHostPort(std::string_view text);

}  // namespace limitsd::storage::redis
