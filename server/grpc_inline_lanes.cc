#include "server/grpc_inline_lanes.h"

#include <algorithm>
#include <utility>

namespace limitsd::server {

GrpcInlineLanes::GrpcInlineLanes(std::shared_ptr<const Generation> generation, std::size_t count,
                                 Metrics& metrics)
    : immediate_(GrpcInlineLane::Immediate(*generation)), published_(generation) {
  for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) {
    auto lane = std::make_unique<GrpcInlineLane>(generation, metrics.AddThread());
    lane->Apply(generation, version_.load(std::memory_order_relaxed));
    lanes_.push_back(std::move(lane));
  }
}

void GrpcInlineLanes::Publish(std::shared_ptr<const Generation> generation) {
  const bool immediate = GrpcInlineLane::Immediate(*generation);
  const std::lock_guard lock(mutex_);
  published_ = std::move(generation);
  immediate_.store(immediate, std::memory_order_relaxed);
  version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

GrpcInlineLane* GrpcInlineLanes::Acquire(std::size_t turn) {
  if (!immediate_.load(std::memory_order_relaxed)) return nullptr;
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    GrpcInlineLane& lane = *lanes_[(turn + i) % lanes_.size()];
    if (!lane.TryAcquire()) continue;
    Follow(lane);
    if (lane.immediate()) return &lane;
    lane.Release();  // a reload to a storage that waits came in meanwhile
    return nullptr;
  }
  return nullptr;
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
