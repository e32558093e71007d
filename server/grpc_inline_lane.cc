#include "server/grpc_inline_lane.h"

#include <utility>

namespace limitsd::server {

GrpcInlineLane::GrpcInlineLane(std::shared_ptr<const Generation> generation, ThreadMetrics& metrics)
    : table_(generation->limits, generation->default_strategy, generation->allow_inline,
             [limiter = &generation->backend->limiter()](limits::StrategyKind kind) {
               return limiter->Serves(kind);
             }),
      decider_(generation, table_, metrics),
      authenticator_(decider_, metrics),
      handler_(decider_, Protocol::kGrpc),
      immediate_(Immediate(*generation)) {
  table_.SetMaxInlineWindow(generation->max_inline_window_seconds, generation->max_inline_window);
}

void GrpcInlineLane::Apply(std::shared_ptr<const Generation> generation, std::uint64_t version) {
  immediate_ = Immediate(*generation);
  version_ = version;
  decider_.Apply(std::move(generation));
}

bool GrpcInlineLane::Immediate(const Generation& generation) noexcept {
  Backend& backend = *generation.backend;
  return backend.storage().AsImmediateTake() != nullptr && backend.fallback() == nullptr;
}

}  // namespace limitsd::server
