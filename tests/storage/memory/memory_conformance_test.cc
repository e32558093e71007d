// The storage conformance suite on memory://, once on a manual clock and once on the
// system clock (the real-time paths that server-clock backends take).
#include "tests/storage/conformance/storage_conformance.h"

#include "storage/memory/memory_storage.h"
#include "storage/storage_context.h"

namespace limitsd::storage::conformance {
namespace {

ConformanceTarget MemoryTarget(bool manual_clock) {
  ConformanceTarget target;
  target.name = manual_clock ? "Memory" : "MemoryRealClock";
  target.scheme = "memory";
  target.capabilities = CapabilitiesOf<memory::MemoryStorage>();
  target.manual_clock = manual_clock;
  target.real_time_slack = std::chrono::milliseconds(250);
  target.make = [](const ConformanceEnv& env) {
    StorageContext context;
    context.uri = ParseStorageUri("memory://");
    context.executors = env.executors;
    if (env.clock) context.clock = env.clock;
    return StorageRegistry::Instance().Create(context);
  };
  return target;
}

INSTANTIATE_TEST_SUITE_P(Memory, StorageConformance,
                         ::testing::Values(MemoryTarget(true), MemoryTarget(false)),
                         ConformanceTargetName);

}  // namespace
}  // namespace limitsd::storage::conformance
