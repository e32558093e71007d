#include "server/grpc_inline_lanes.h"

#include <algorithm>
#include <atomic>
#include <utility>

namespace limitsd::server {

GrpcInlineLanes::GrpcInlineLanes(std::shared_ptr<const Generation> generation, std::size_t count,
                                 Metrics& metrics)
    : immediate_(GrpcInlineLane::Immediate(*generation)), published_(generation) {
  for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) {
    lanes_.push_back(std::make_unique<GrpcInlineLane>(
        generation, version_.load(std::memory_order_relaxed), metrics.AddThread()));
  }
}

void GrpcInlineLanes::Publish(std::shared_ptr<const Generation> generation) {
  const bool immediate = GrpcInlineLane::Immediate(*generation);
  {
    const std::lock_guard lock(mutex_);
    published_ = std::move(generation);
    immediate_.store(immediate, std::memory_order_relaxed);
    version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  // Orders the version's store before the lanes' flags are read, as Release orders a lane's
  // flag before the version is read: a lane is either taken here or its holder sees the
  // new version.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (const auto& lane : lanes_) {
    if (lane->TryAcquire()) Release(*lane);
  }
}

GrpcInlineLane* GrpcInlineLanes::Acquire(std::size_t turn) {
  if (!immediate_.load(std::memory_order_relaxed)) return nullptr;
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    GrpcInlineLane& lane = *lanes_[(turn + i) % lanes_.size()];
    if (!lane.TryAcquire()) continue;
    Follow(lane);
    if (lane.immediate()) return &lane;
    Release(lane);  // a reload to a storage that waits came in meanwhile
    return nullptr;
  }
  return nullptr;
}

void GrpcInlineLanes::Release(GrpcInlineLane& lane) {
  for (;;) {
    Follow(lane);
    const std::uint64_t applied = lane.version();
    lane.Release();
    std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with Publish's
    // A Publish that came after Follow found the lane held and left it to this holder.
    if (version_.load(std::memory_order_acquire) == applied || !lane.TryAcquire()) return;
  }
}

void GrpcInlineLanes::Follow(GrpcInlineLane& lane) {
  if (version_.load(std::memory_order_acquire) == lane.version()) return;
  std::shared_ptr<const Generation> generation;
  std::uint64_t version = 0;
  {
    const std::lock_guard lock(mutex_);
    generation = published_;
    version = version_.load(std::memory_order_relaxed);
  }
  lane.Apply(std::move(generation), version);
}

}  // namespace limitsd::server
