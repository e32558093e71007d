#include "server/grpc_inline_lane.h"

#include <utility>

namespace limitsd::server {

GrpcInlineLane::GrpcInlineLane(const std::shared_ptr<const Generation>& generation,
                               std::uint64_t version, ThreadMetrics& metrics)
    : table_(generation->NewLimitTable()),
      decider_(generation, table_, metrics),
      authenticator_(decider_, metrics),
      handler_(decider_, Protocol::kGrpc),
      version_(version),
      immediate_(Immediate(*generation)) {}

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
