#pragma once
// The lanes on which gRPC's own threads decide ShouldRateLimit calls while the storage
// answers without waiting (memory://): a call takes a free lane, is decided and finished on
// the thread that read it, and hands the lane back. When every lane is held, or the storage
// has to be waited on (redis://, memcached://, on_error: local), the caller hands the call
// to an I/O thread instead: gRPC's threads never wait, on a storage or on a lane.
//
// A reload publishes its generation here from any thread, and every lane swaps it in: a
// free lane at once, a held one when its call is answered. So a call decides with the
// generation that was current when its lane was taken, and no lane keeps an older one (and
// its storage) alive, even when the new storage has to be waited on and no lane is taken.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "server/generation.h"
#include "server/grpc_inline_lane.h"
#include "server/metrics.h"

namespace limitsd::server {

class GrpcInlineLanes {
 public:
  /// `count` lanes (at least one) deciding with `generation`, each counting into a
  /// ThreadMetrics of its own added to `metrics` (before the daemon's threads start).
  GrpcInlineLanes(std::shared_ptr<const Generation> generation, std::size_t count,
                  Metrics& metrics);
  GrpcInlineLanes(const GrpcInlineLanes&) = delete;
  GrpcInlineLanes& operator=(const GrpcInlineLanes&) = delete;

  /// On any thread: the generation of the calls whose lane is taken after this. The free
  /// lanes apply it now, the held ones when they are released.
  void Publish(std::shared_ptr<const Generation> generation);

  /// A lane for the calling thread to decide one call on, with the generation published
  /// last applied: the first free one from `turn` on (modulo the count). Null when the
  /// storage has to be waited on or every lane is held. The caller releases it once the
  /// call is answered.
  GrpcInlineLane* Acquire(std::size_t turn);
  /// On any thread (a call that had to wait releases its lane where it was answered): hands
  /// `lane` back, with the generation published last applied.
  void Release(GrpcInlineLane& lane);

 private:
  /// Held: swaps the published generation into `lane` unless it has it already.
  void Follow(GrpcInlineLane& lane);

  std::vector<std::unique_ptr<GrpcInlineLane>> lanes_;
  std::atomic<bool> immediate_;            // the published generation answers at once
  std::atomic<std::uint64_t> version_{1};  // one more per Publish
  std::mutex mutex_;                       // guards published_
  std::shared_ptr<const Generation> published_;
};

}  // namespace limitsd::server
