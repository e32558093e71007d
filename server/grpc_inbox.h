#pragma once
// A lock-free inbox of entries that any thread pushes and one thread drains, oldest first:
// how the gRPC front door hands calls to an I/O thread. It allocates nothing: an entry is
// the caller's (the gRPC front door keeps it in its call's arena) and links itself through
// its own `next`. A push tells whether the inbox was empty, so that the pusher asks the
// draining thread for a drain only then: entries that arrive together cost one wake-up.

#include <atomic>

namespace limitsd::server {

/// Over an `Entry` with a member `Entry* next`, which the inbox alone uses while the entry
/// is in it.
template <class Entry>
class GrpcInbox {
 public:
  GrpcInbox() = default;
  GrpcInbox(const GrpcInbox&) = delete;
  GrpcInbox& operator=(const GrpcInbox&) = delete;

  /// On any thread: adds `entry`, which belongs to the draining thread from then on (the
  /// push publishes what was written into it before). True when the inbox was empty: the
  /// caller then asks for a drain, which sees this entry. One compare-and-swap, retried
  /// only when another push came in between.
  bool Push(Entry& entry) noexcept {
    Entry* head = newest_.load(std::memory_order_relaxed);
    do {
      entry.next = head;
    } while (!newest_.compare_exchange_weak(head, &entry, std::memory_order_release,
                                            std::memory_order_relaxed));
    return head == nullptr;
  }

  /// On the draining thread: takes every entry pushed so far and calls `serve(entry)` for
  /// each, oldest first. An entry's `next` is read before it is served, so `serve` may end
  /// the entry's life. Entries pushed meanwhile stay for the next drain (their push found
  /// the inbox empty, and asked for one).
  template <class Serve>
  void Drain(Serve&& serve) {
    Entry* newest = newest_.exchange(nullptr, std::memory_order_acquire);
    Entry* oldest = nullptr;
    while (newest != nullptr) {  // the stack is newest first: reverse it
      Entry* next = newest->next;
      newest->next = oldest;
      oldest = newest;
      newest = next;
    }
    while (oldest != nullptr) {
      Entry* next = oldest->next;
      serve(*oldest);
      oldest = next;
    }
  }

 private:
  std::atomic<Entry*> newest_{nullptr};  // a stack, newest first
};

}  // namespace limitsd::server
