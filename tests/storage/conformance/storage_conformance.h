#pragma once
// The storage conformance suite: one set of behaviours every registered scheme must show
// over the asynchronous Storage interface and its capabilities (one behaviour on every
// backend: docs/strategies.md).
//
// A backend joins from its own test binary in a few lines: link the OBJECT library
// `limitsd_storage_conformance` and instantiate the suite with its targets:
//
//   #include "tests/storage/conformance/storage_conformance.h"
//   using limitsd::storage::conformance::ConformanceTarget;
//   ConformanceTarget RedisTarget() {
//     ConformanceTarget t;
//     t.name = "Redis";
//     t.scheme = "redis";
//     t.capabilities = limitsd::storage::CapabilitiesOf<RedisStorage>();
//     t.make = [](const ConformanceEnv& env) { ...build from a StorageContext... };
//     return t;
//   }
//   INSTANTIATE_TEST_SUITE_P(Redis, StorageConformance, ::testing::Values(RedisTarget()),
//                            limitsd::storage::conformance::ConformanceTargetName);
//
// Cases that need to set time precisely skip on targets without a manual clock (Redis
// reads its server's TIME); the others use windows of 1-2 s and short real sleeps there.
// A capability the target declares absent makes its cases skip, naming the capability;
// one case checks that the declaration matches both the registry and the storage.

#include <functional>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "storage/capabilities.h"
#include "storage/clock.h"
#include "storage/storage.h"
#include "storage/storage_registry.h"
#include "tests/storage/conformance/run_task.h"

namespace limitsd::storage::conformance {

/// What the suite hands a target's factory.
struct ConformanceEnv {
  /// One executor per test thread (StorageConformance::kThreads); [0] runs the main body.
  std::vector<boost::asio::any_io_executor> executors;
  /// The clock to build the storage on when the target has manual_clock set, else null.
  std::shared_ptr<ManualClock> clock;
};

struct ConformanceTarget {
  std::string name;    ///< test-name suffix: letters, digits and '_'
  std::string scheme;  ///< the registered scheme the storage is built for
  /// What the storage offers; must equal the registry's and the storage's own answers.
  Capabilities capabilities;
  /// Builds a storage for one test. Storages may share a backend: the suite uses keys
  /// unique to each test and run.
  std::function<std::unique_ptr<Storage>(const ConformanceEnv&)> make;
  /// The storage reads env.clock, so the suite can set time; false for server clocks.
  bool manual_clock = false;
  /// Tolerance on times read back on a real clock (sleeps overshoot, servers round).
  Micros real_time_slack{300'000};
};

/// Prints a target as its name (GoogleTest and CTest show it for each case).
void PrintTo(const ConformanceTarget& target, std::ostream* os);

/// The parameter name of a target, for INSTANTIATE_TEST_SUITE_P.
std::string ConformanceTargetName(const ::testing::TestParamInfo<ConformanceTarget>& info);

class StorageConformance : public ::testing::TestWithParam<ConformanceTarget> {
 public:
  static constexpr std::size_t kThreads = 4;

 protected:
  void SetUp() override;
  void TearDown() override;

  Storage& storage() { return *storage_; }
  bool HasManualClock() const { return clock_ != nullptr; }
  const Capabilities& Declared() const { return GetParam().capabilities; }

  /// Runs `task` on the main io_context and returns its result.
  template <class T>
  T Run(Task<T> task) {
    return RunTask(*io_[0], std::move(task));
  }

  /// A key unique to this test and run; TaggedKey shares its hash tag with every other
  /// TaggedKey of the same `tag`, as the rates of one request do.
  std::string Key(std::string_view name) const;
  std::string TaggedKey(std::string_view tag, std::string_view name) const;

  /// Moves time forward: advances the manual clock, or sleeps.
  void Advance(Micros d);
  /// Moves time to `offset` after the start of the next bucket of length `bucket`
  /// (buckets are aligned to Unix time).
  void ToNextBucket(Micros bucket, Micros offset);
  /// 0 on a manual clock, target.real_time_slack otherwise.
  Micros Slack() const;
  /// Expects `actual` in [expected - Slack(), expected] (time only ever passes).
  void ExpectTimeLeft(Micros actual, Micros expected) const;
  /// Expects `actual` in [expected, expected + Slack()] (ages only grow).
  void ExpectAge(Micros actual, Micros expected) const;

  // The capabilities' calls, expecting success (a failure is reported, and reads as
  // "not taken" / an empty state).
  bool MovingAcquire(const std::string& key, std::int64_t limit, Micros expiry,
                     std::int64_t amount);
  MovingWindowState MovingState(const std::string& key, std::int64_t limit, Micros expiry,
                                std::int64_t amount);
  bool SlidingAcquire(const std::string& key, std::int64_t limit, Micros expiry,
                      std::int64_t amount);
  SlidingWindowState SlidingState(const std::string& key, Micros expiry);
  bool GcraAcquire(const std::string& key, std::int64_t burst, Micros interval,
                   std::int64_t amount);
  GcraState GcraGet(const std::string& key);
  TakeOutcome Take(std::span<const RateQuery> rates, std::int64_t cost, TakeMode mode);

  /// Runs `per_thread` copies of `hit` on each of kThreads threads at once (each thread
  /// drives its own io_context) and returns how many returned true.
  int CountAdmitted(const std::function<Task<bool>()>& hit, int per_thread);

  std::vector<std::unique_ptr<boost::asio::io_context>> io_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<Storage> storage_;
};

}  // namespace limitsd::storage::conformance

/// Skips the current case unless the target runs on a manual clock.
#define LIMITSD_REQUIRE_MANUAL_CLOCK()                                                  \
  do {                                                                                  \
    if (!HasManualClock()) {                                                            \
      GTEST_SKIP() << "needs a manual clock; " << GetParam().name << " keeps its own";  \
    }                                                                                   \
  } while (0)

/// Skips the current case when the target declares the capability absent (the case
/// CapabilitiesMatchTheRegistry checks the declaration). `field` is a Capabilities member.
#define LIMITSD_REQUIRE_CAPABILITY(field)                                               \
  do {                                                                                  \
    if (!Declared().field) {                                                            \
      GTEST_SKIP() << GetParam().name << " lacks the capability " #field;               \
    }                                                                                   \
  } while (0)
