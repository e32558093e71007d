#include "storage/redis/cluster_slots.h"

#include <algorithm>
#include <charconv>

#include "storage/redis/redis_protocol.h"
#include "storage/storage_key.h"

namespace limitsd::storage::redis {
namespace {

std::uint16_t Crc16(std::string_view data) noexcept {
  std::uint16_t crc = 0;
  for (unsigned char byte : data) {
    crc ^= static_cast<std::uint16_t>(byte) << 8;
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

// One node entry of CLUSTER SLOTS: [host, port, id, ...].
std::optional<RedisEndpoint> NodeOf(const redisReply& node, const RedisEndpoint& asked) {
  if (node.type != REDIS_REPLY_ARRAY || node.elements < 2) return std::nullopt;
  const auto port = ReplyInteger(*node.element[1]);
  if (!port || *port <= 0 || *port > 65535) return std::nullopt;
  RedisEndpoint endpoint;
  endpoint.host = std::string(ReplyText(*node.element[0]));
  if (endpoint.host.empty() || endpoint.host == "?") endpoint.host = asked.host;
  endpoint.port = static_cast<std::uint16_t>(*port);
  return endpoint;
}

}  // namespace

std::uint16_t KeySlot(std::string_view key) noexcept {
  return Crc16(HashTag(key)) % kClusterSlots;
}

bool ClusterSlotMap::Load(const redisReply& reply, const RedisEndpoint& asked) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements == 0) return false;
  ClusterSlotMap fresh;
  for (std::size_t i = 0; i < reply.elements; ++i) {
    const redisReply& range = *reply.element[i];
    if (range.type != REDIS_REPLY_ARRAY || range.elements < 3) return false;
    const auto first = ReplyInteger(*range.element[0]);
    const auto last = ReplyInteger(*range.element[1]);
    const auto master = NodeOf(*range.element[2], asked);
    if (!first || !last || !master || *first < 0 || *last >= std::int64_t{kClusterSlots} ||
        *first > *last) {
      return false;
    }
    const std::int16_t index = fresh.IndexOf(*master);
    std::fill(fresh.owner_.begin() + *first, fresh.owner_.begin() + *last + 1, index);
  }
  *this = std::move(fresh);
  return true;
}

const RedisEndpoint* ClusterSlotMap::Owner(std::uint16_t slot) const noexcept {
  const std::int16_t index = owner_[slot % kClusterSlots];
  return index < 0 ? nullptr : &nodes_[static_cast<std::size_t>(index)];
}

void ClusterSlotMap::Assign(std::uint16_t slot, const RedisEndpoint& endpoint) {
  owner_[slot % kClusterSlots] = IndexOf(endpoint);
}

std::vector<RedisEndpoint> ClusterSlotMap::Masters() const {
  std::vector<bool> used(nodes_.size(), false);
  for (std::int16_t index : owner_) {
    if (index >= 0) used[static_cast<std::size_t>(index)] = true;
  }
  std::vector<RedisEndpoint> masters;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (used[i]) masters.push_back(nodes_[i]);
  }
  return masters;
}

std::int16_t ClusterSlotMap::IndexOf(const RedisEndpoint& endpoint) {
  const auto it = std::find(nodes_.begin(), nodes_.end(), endpoint);
  if (it != nodes_.end()) return static_cast<std::int16_t>(it - nodes_.begin());
  nodes_.push_back(endpoint);
  return static_cast<std::int16_t>(nodes_.size() - 1);
}

std::optional<RedisEndpoint> ParseHostPort(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return std::nullopt;
  }
  return RedisEndpoint{std::string(host), static_cast<std::uint16_t>(port), {}};
}

}  // namespace limitsd::storage::redis
