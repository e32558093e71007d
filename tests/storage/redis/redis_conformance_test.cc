// The storage conformance suite on the Redis family: one server over TCP and over a Unix
// socket, a 3-master cluster, and a sentinel-monitored master. Each deployment starts on
// first use and stops when the test binary exits.
#include "tests/storage/conformance/storage_conformance.h"

#include "storage/redis/redis_storage.h"
#include "storage/storage_context.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::storage::conformance {
namespace {

using redis::RedisStorage;
using redis::testing::RedisCluster;
using redis::testing::RedisSentinelSet;
using redis::testing::RedisServer;

std::string StandaloneUri() {
  static RedisServer server;
  return server.Uri();
}

std::string UnixUri() {
  static RedisServer server(RedisServer::Options{.unix_socket = true});
  return server.Uri();
}

std::string ClusterUri() {
  static RedisCluster cluster;
  return cluster.Uri();
}

std::string SentinelUri() {
  static RedisSentinelSet sentinel;
  return sentinel.Uri();
}

ConformanceTarget RedisTarget(std::string name, std::string scheme, std::string (*uri)()) {
  ConformanceTarget target;
  target.name = std::move(name);
  target.scheme = std::move(scheme);
  target.capabilities = CapabilitiesOf<RedisStorage>();
  target.manual_clock = false;
  target.real_time_slack = std::chrono::milliseconds(150);
  target.make = [uri](const ConformanceEnv& env) {
    StorageContext context;
    context.uri = ParseStorageUri(uri());
    context.executors = env.executors;
    context.timeout = std::chrono::seconds(2);
    return StorageRegistry::Instance().Create(context);
  };
  return target;
}

INSTANTIATE_TEST_SUITE_P(
    Redis, StorageConformance,
    ::testing::Values(RedisTarget("Redis", "redis", StandaloneUri),
                      RedisTarget("RedisUnix", "redis+unix", UnixUri),
                      RedisTarget("RedisCluster", "redis+cluster", ClusterUri),
                      RedisTarget("RedisSentinel", "redis+sentinel", SentinelUri)),
    ConformanceTargetName);

}  // namespace
}  // namespace limitsd::storage::conformance
