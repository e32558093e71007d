#include "storage/memory/fixed_table.h"

#include <algorithm>
#include <new>

namespace limitsd::storage::memory {
namespace {

// Slots are allocated on cache-line boundaries, so where a slot lies in its lines is the
// same in every table.
constexpr std::align_val_t kLineAlignment{64};

}  // namespace

void FixedTable::FreeSlots::operator()(Slot* slots) const noexcept {
  ::operator delete[](slots, kLineAlignment);
}

std::pair<FixedTable::Counter*, bool> FixedTable::Insert(std::uint64_t key) {
  if (size_ + 1 > MaxLoad(capacity_)) {
    Rehash(std::max(kMinCapacity, capacity_ + capacity_ / 2));
  }
  Slot& slot = slots_[FreeSlotFor(key)];
  slot.key = key;
  slot.counter = Counter{};
  ++size_;
  return {&slot.counter, true};
}

bool FixedTable::Erase(std::uint64_t key) noexcept {
  const std::size_t i = IndexOf(key);
  if (i == capacity_) return false;
  RemoveAt(i);
  return true;
}

void FixedTable::RemoveAt(std::size_t hole) noexcept {
  for (std::size_t j = Next(hole);; j = Next(j)) {
    const std::uint64_t key = slots_[j].key;
    if (key == 0) break;
    if (MayFill(hole, Home(key), j)) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole].key = 0;
  --size_;
}

std::size_t FixedTable::FreeSlotFor(std::uint64_t key) const noexcept {
  std::size_t i = Home(key);
  while (slots_[i].key != 0) i = Next(i);
  return i;
}

void FixedTable::Rehash(std::size_t capacity) {
  // Allocated before anything changes: if it throws, the table is as it was.
  auto* raw = static_cast<Slot*>(::operator new[](capacity * sizeof(Slot), kLineAlignment));
  // Zeroed: every key 0, every slot empty.
  std::fill_n(reinterpret_cast<char*>(raw), capacity * sizeof(Slot), char{0});
  std::unique_ptr<Slot[], FreeSlots> old = std::move(slots_);
  const std::size_t old_capacity = capacity_;
  slots_.reset(raw);
  capacity_ = capacity;
  for (std::size_t i = 0; i < old_capacity; ++i) {
    if (old[i].key != 0) slots_[FreeSlotFor(old[i].key)] = old[i];
  }
  PublishHint();
}

void FixedTable::Clear() noexcept {
  slots_.reset();
  capacity_ = 0;
  size_ = 0;
  PublishHint();
}

void FixedTable::ShrinkIfSparse() {
  constexpr std::size_t kKeptCapacity = 256;
  if (capacity_ <= kKeptCapacity || size_ * 8 >= capacity_) return;
  if (size_ == 0) {
    Clear();
    return;
  }
  Rehash(std::max(kMinCapacity, size_ * 2));
}

}  // namespace limitsd::storage::memory
