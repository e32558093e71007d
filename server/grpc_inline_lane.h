#pragma once
// What a gRPC thread decides a ShouldRateLimit call with, when the storage answers without
// waiting: a limit table, a Decider, an Authenticator and an RlsHandler of its own, as an
// I/O thread's Worker has, and counters of its own. One thread at a time holds the lane
// (GrpcInlineLanes::Acquire and Release); the holder alone uses what it owns, so nothing in
// it is shared, and each holder sees what the one before wrote (the lane's flag orders them).

#include <atomic>
#include <cstdint>
#include <memory>

#include "server/authenticator.h"
#include "server/decider.h"
#include "server/generation.h"
#include "server/limit_table.h"
#include "server/metrics.h"
#include "server/rls_handler.h"

namespace limitsd::server {

class GrpcInlineLane {
 public:
  /// Decides with `generation`, numbered `version` by GrpcInlineLanes, until Apply() swaps
  /// in another; counts into `metrics`, which only the lane's holder writes.
  GrpcInlineLane(const std::shared_ptr<const Generation>& generation, std::uint64_t version,
                 ThreadMetrics& metrics);
  GrpcInlineLane(const GrpcInlineLane&) = delete;
  GrpcInlineLane& operator=(const GrpcInlineLane&) = delete;

  /// Held: swaps in `generation`, numbered `version` by GrpcInlineLanes, for the calls
  /// that follow.
  void Apply(std::shared_ptr<const Generation> generation, std::uint64_t version);
  /// Held: the version of the generation applied last.
  std::uint64_t version() const noexcept { return version_; }
  /// Held: whether the storage of the applied generation answers every decision at once
  /// (memory://, no on_error: local stand-in), so that the holder never waits on it.
  bool immediate() const noexcept { return immediate_; }

  Decider& decider() noexcept { return decider_; }
  Authenticator& authenticator() noexcept { return authenticator_; }
  RlsHandler& handler() noexcept { return handler_; }

  /// Whether `generation`'s storage answers every decision at once.
  static bool Immediate(const Generation& generation) noexcept;

 private:
  friend class GrpcInlineLanes;

  /// Takes the lane for the calling thread, without waiting: false when another thread
  /// holds it.
  bool TryAcquire() noexcept {
    return !busy_.load(std::memory_order_relaxed) &&
           !busy_.exchange(true, std::memory_order_acquire);
  }
  /// Hands the lane back, on any thread: whatever the holder wrote is seen by the next one.
  void Release() noexcept { busy_.store(false, std::memory_order_release); }

  std::atomic<bool> busy_{false};
  LimitTable table_;
  Decider decider_;
  Authenticator authenticator_;
  RlsHandler handler_;
  std::uint64_t version_ = 0;
  bool immediate_ = false;
};

}  // namespace limitsd::server
