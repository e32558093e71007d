#include "storage/storage.h"

#include "storage/capabilities.h"

namespace limitsd::storage {

MovingWindowSupport* Storage::AsMovingWindow() noexcept {
  return dynamic_cast<MovingWindowSupport*>(this);
}

SlidingWindowCounterSupport* Storage::AsSlidingWindowCounter() noexcept {
  return dynamic_cast<SlidingWindowCounterSupport*>(this);
}

GcraSupport* Storage::AsGcra() noexcept { return dynamic_cast<GcraSupport*>(this); }

MultiRateSupport* Storage::AsMultiRate() noexcept { return dynamic_cast<MultiRateSupport*>(this); }

std::uint64_t Storage::DenyCacheHits() const { return 0; }

void Storage::RenderMetrics(std::string&) const {}

ImmediateTakeSupport* Storage::AsImmediateTake() noexcept {
  return dynamic_cast<ImmediateTakeSupport*>(this);
}

}  // namespace limitsd::storage
