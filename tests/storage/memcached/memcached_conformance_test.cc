// The storage conformance suite on memcached://, with one server and with two (keys spread
// by the hash ring), on the suite's manual clock: memcached keeps no time of its own, so
// the store's clock is limitsd's.

#include "tests/storage/conformance/storage_conformance.h"

#include "storage/memcached/memcached_storage.h"
#include "tests/storage/memcached/memcached_server.h"

namespace limitsd::storage::memcached {
namespace {

using conformance::ConformanceEnv;
using conformance::ConformanceTarget;
using conformance::StorageConformance;
using testing::MemcachedServer;

// Started on first use, shared by every case of this binary, stopped after the last one.
class ServersEnvironment : public ::testing::Environment {
 public:
  static std::vector<std::unique_ptr<MemcachedServer>>& Servers() {
    static std::vector<std::unique_ptr<MemcachedServer>> servers;
    return servers;
  }
  void TearDown() override { Servers().clear(); }
};
[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new ServersEnvironment);

const MemcachedServer* ServerAt(std::size_t i) {
  auto& servers = ServersEnvironment::Servers();
  while (servers.size() <= i) servers.push_back(std::make_unique<MemcachedServer>());
  return servers[i].get();
}

ConformanceTarget Target(std::string name, std::size_t server_count) {
  ConformanceTarget t;
  t.name = std::move(name);
  t.scheme = "memcached";
  t.capabilities = CapabilitiesOf<MemcachedStorage>();
  t.manual_clock = true;
  t.make = [server_count](const ConformanceEnv& env) -> std::unique_ptr<Storage> {
    std::vector<const MemcachedServer*> servers;
    for (std::size_t i = 0; i < server_count; ++i) servers.push_back(ServerAt(i));
    StorageContext context;
    context.uri = ParseStorageUri(testing::UriOf(servers));
    context.executors = env.executors;
    context.clock = env.clock;
    context.timeout = Micros{2'000'000};  // a loaded 2-core machine; faults are tested apart
    return StorageRegistry::Instance().Create(context);
  };
  return t;
}

INSTANTIATE_TEST_SUITE_P(Memcached, StorageConformance,
                         ::testing::Values(Target("OneServer", 1), Target("TwoServers", 2)),
                         conformance::ConformanceTargetName);

}  // namespace
}  // namespace limitsd::storage::memcached
