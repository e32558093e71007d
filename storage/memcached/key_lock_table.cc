#include "storage/memcached/key_lock_table.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "storage/memcached/hash_ring.h"
#include "storage/storage_error.h"

namespace limitsd::storage::memcached {
namespace asio = boost::asio;

KeyLockTable::Guard& KeyLockTable::Guard::operator=(Guard&& other) noexcept {
  if (this != &other) {
    if (table_ != nullptr) table_->Release(key_);
    table_ = std::exchange(other.table_, nullptr);
    key_ = std::move(other.key_);
  }
  return *this;
}

KeyLockTable::Guard::~Guard() {
  if (table_ != nullptr) table_->Release(key_);
}

Task<Result<KeyLockTable::Guard>> KeyLockTable::Acquire(std::string key, Deadline deadline) {
  Shard& shard = ShardOf(key);
  const auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(shard.mutex);
    auto [it, inserted] = shard.held.try_emplace(key);
    if (inserted) co_return Guard(this, std::move(key));
    waiter = std::make_shared<Waiter>(executor);
    it->second.push_back(waiter);
  }
  waiter->timer.expires_at(deadline);
  co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(shard.mutex);
  if (waiter->granted) co_return Guard(this, std::move(key));
  auto& queue = shard.held[key];
  queue.erase(std::remove(queue.begin(), queue.end(), waiter), queue.end());
  co_return std::error_code(StorageErrc::kTimeout);
}

void KeyLockTable::Release(const std::string& key) {
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.held.find(key);
  if (it == shard.held.end()) return;
  if (it->second.empty()) {
    shard.held.erase(it);
    return;
  }
  std::shared_ptr<Waiter> next = std::move(it->second.front());
  it->second.pop_front();
  next->granted = true;  // the key stays held, now by `next`
  asio::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
}

std::size_t KeyLockTable::Size() {
  std::size_t n = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.held.size();
  }
  return n;
}

KeyLockTable::Shard& KeyLockTable::ShardOf(std::string_view key) noexcept {
  return shards_[HashRing::Hash(key) % kShards];
}

}  // namespace limitsd::storage::memcached
