#pragma once
// A real storage seen through its primitives and per-strategy capabilities only: forwards
// every call to the storage it wraps but does not offer MultiRateSupport (unless asked to)
// nor ImmediateTakeSupport, so the rate limiter takes the awaited path a custom storage
// gets.

#include "storage/capabilities.h"
#include "storage/storage.h"

namespace limitsd::limits {

class PrimitivesOnlyStorage final : public storage::Storage,
                                    public storage::MovingWindowSupport,
                                    public storage::SlidingWindowCounterSupport,
                                    public storage::GcraSupport {
 public:
  /// `multi_rate`: offer the inner storage's MultiRateSupport (awaited) too.
  explicit PrimitivesOnlyStorage(storage::Storage& inner, bool multi_rate = false)
      : inner_(inner),
        multi_rate_(multi_rate ? inner.AsMultiRate() : nullptr),
        moving_(*inner.AsMovingWindow()),
        sliding_(*inner.AsSlidingWindowCounter()),
        gcra_(*inner.AsGcra()) {}

  using Micros = storage::Micros;
  template <class T>
  using Task = storage::Task<storage::Result<T>>;

  Task<std::int64_t> Incr(std::string_view k, Micros e, std::int64_t a) override {
    return inner_.Incr(k, e, a);
  }
  Task<void> Decr(std::string_view k, std::int64_t a) override { return inner_.Decr(k, a); }
  Task<std::int64_t> Get(std::string_view k) override { return inner_.Get(k); }
  Task<Micros> GetExpiry(std::string_view k) override { return inner_.GetExpiry(k); }
  Task<void> Clear(std::string_view k) override { return inner_.Clear(k); }
  storage::Task<bool> Check() override { return inner_.Check(); }
  std::string Describe() const override { return "primitives of " + inner_.Describe(); }
  storage::MultiRateSupport* AsMultiRate() noexcept override { return multi_rate_; }

  Task<bool> AcquireEntry(std::string_view k, std::int64_t l, Micros e, std::int64_t a) override {
    return moving_.AcquireEntry(k, l, e, a);
  }
  Task<storage::MovingWindowState> GetMovingWindow(std::string_view k, std::int64_t l, Micros e,
                                                   std::int64_t a) override {
    return moving_.GetMovingWindow(k, l, e, a);
  }
  Task<bool> AcquireSlidingWindowEntry(std::string_view k, std::int64_t l, Micros e,
                                       std::int64_t a) override {
    return sliding_.AcquireSlidingWindowEntry(k, l, e, a);
  }
  Task<storage::SlidingWindowState> GetSlidingWindow(std::string_view k, Micros e) override {
    return sliding_.GetSlidingWindow(k, e);
  }
  Task<void> ClearSlidingWindow(std::string_view k, Micros e) override {
    return sliding_.ClearSlidingWindow(k, e);
  }
  Task<bool> AcquireGcra(std::string_view k, std::int64_t b, Micros i, std::int64_t a) override {
    return gcra_.AcquireGcra(k, b, i, a);
  }
  Task<storage::GcraState> GetGcra(std::string_view k) override { return gcra_.GetGcra(k); }

 private:
  storage::Storage& inner_;
  storage::MultiRateSupport* multi_rate_;
  storage::MovingWindowSupport& moving_;
  storage::SlidingWindowCounterSupport& sliding_;
  storage::GcraSupport& gcra_;
};

}  // namespace limitsd::limits
