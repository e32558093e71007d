#include "server/decider.h"

#include <gtest/gtest.h>

#include "server/generation.h"
#include "storage/storage_registry.h"
#include "tests/server/down_storage.h"
#include "tests/server/server_fixture.h"

LIMITSD_REGISTER_STORAGE(limitsd::server::testing::DownStorage);
LIMITSD_REGISTER_STORAGE(limitsd::server::testing::ThrowingStorage);

namespace limitsd::server {
namespace {

using protocol::ErrorCode;
using protocol::Verb;

class DeciderTest : public ::testing::Test {
 protected:
  void Use(const std::string& yaml) {
    generation_ = testing::MakeGeneration(yaml);
    decider_.reset();
    table_ = std::make_unique<LimitTable>(
        generation_->limits, generation_->default_strategy, generation_->allow_inline,
        [](limits::StrategyKind) { return true; });
    decider_ = std::make_unique<Decider>(generation_, *table_, counters_);
  }
  Answer Ask(Verb verb, std::string_view limit, std::string_view key = "k",
             std::int64_t cost = 1) {
    return testing::Get(io_, decider_->Decide(Query{verb, limit, key, cost}));
  }

  boost::asio::io_context io_;
  Metrics metrics_;
  ThreadMetrics& counters_ = metrics_.AddThread();
  std::uint64_t Sample(const std::string& series) {
    return testing::SampleOf(metrics_.Render(), series);
  }
  std::shared_ptr<const Generation> generation_;
  std::unique_ptr<LimitTable> table_;
  std::unique_ptr<Decider> decider_;
};

TEST_F(DeciderTest, HitsANamedLimitUntilItDenies) {
  Use("limits: { api: \"2/minute\" }\n");
  Answer a = Ask(Verb::kHit, "api");
  ASSERT_EQ(a.kind, Answer::Kind::kDecision) << a.message;
  EXPECT_TRUE(a.decision.allowed);
  EXPECT_EQ(a.decision.limit, 2);
  EXPECT_EQ(a.decision.remaining, 1);
  EXPECT_EQ(a.limit->name(), "api");
  EXPECT_TRUE(Ask(Verb::kHit, "api").decision.allowed);
  const Answer denied = Ask(Verb::kHit, "api");
  EXPECT_FALSE(denied.decision.allowed);
  EXPECT_GE(denied.decision.retry_ms, 1);
  EXPECT_EQ(Sample("limitsd_decisions_total{limit=\"api\",outcome=\"allowed\"}"), 2u);
  EXPECT_EQ(Sample("limitsd_decisions_total{limit=\"api\",outcome=\"denied\"}"), 1u);
  EXPECT_EQ(Sample("limitsd_decisions_near_limit_total{limit=\"api\"}"), 1u);  // the 2nd
  EXPECT_EQ(Sample("limitsd_requests_total{protocol=\"line\",verb=\"hit\",result=\"allowed\"}"),
            2u);
  EXPECT_EQ(Sample("limitsd_requests_total{protocol=\"line\",verb=\"hit\",result=\"denied\"}"),
            1u);
}

TEST_F(DeciderTest, TestAndStatsTakeNothing) {
  Use("limits: { api: \"2/minute\" }\n");
  const Answer test = Ask(Verb::kTest, "api", "k", 2);
  EXPECT_TRUE(test.decision.allowed);
  EXPECT_EQ(test.decision.remaining, 2);
  EXPECT_FALSE(Ask(Verb::kTest, "api", "k", 3).decision.allowed);
  EXPECT_EQ(Ask(Verb::kStats, "api", "k", 2).decision.remaining, 2);
  EXPECT_EQ(Ask(Verb::kHit, "api").decision.remaining, 1);
}

TEST_F(DeciderTest, ResetClearsAndCanBeForbidden) {
  Use("limits: { api: \"1/minute\" }\n");
  Ask(Verb::kHit, "api");
  EXPECT_FALSE(Ask(Verb::kHit, "api").decision.allowed);
  EXPECT_EQ(Ask(Verb::kReset, "api").kind, Answer::Kind::kCleared);
  EXPECT_TRUE(Ask(Verb::kHit, "api").decision.allowed);

  Use("allow_reset: false\nlimits: { api: \"1/minute\" }\n");
  const Answer forbidden = Ask(Verb::kReset, "api");
  EXPECT_EQ(forbidden.kind, Answer::Kind::kError);
  EXPECT_EQ(forbidden.error, ErrorCode::kForbidden);
}

TEST_F(DeciderTest, ResolutionErrorsAreAnswers) {
  Use("limits: { api: \"1/minute\" }\n");
  EXPECT_EQ(Ask(Verb::kHit, "nope").error, ErrorCode::kUnknownLimit);
  EXPECT_EQ(Ask(Verb::kHit, "5/parsec").error, ErrorCode::kBadRate);
  EXPECT_EQ(Sample("limitsd_request_errors_total{protocol=\"line\",code=\"unknown_limit\"}"), 1u);
  EXPECT_EQ(Sample("limitsd_request_errors_total{protocol=\"line\",code=\"bad_rate\"}"), 1u);
  EXPECT_EQ(Sample("limitsd_requests_total{protocol=\"line\",verb=\"hit\",result=\"error\"}"), 2u);
}

TEST_F(DeciderTest, OnErrorErrorAnswersErrStorage) {
  Use("storage: { uri: \"down://\" }\nlimits: { api: \"5/minute\" }\n");
  const Answer a = Ask(Verb::kHit, "api");
  EXPECT_EQ(a.kind, Answer::Kind::kError);
  EXPECT_EQ(a.error, ErrorCode::kStorage);
  EXPECT_EQ(Sample("limitsd_storage_errors_total{kind=\"unavailable\"}"), 1u);
  EXPECT_EQ(Sample("limitsd_storage_errors_total{kind=\"timeout\"}"), 0u);
  // The failed call was awaited: it is timed.
  EXPECT_EQ(Sample("limitsd_storage_call_duration_seconds_count"), 1u);
}

// An exception thrown inside a storage's coroutine fails that request with ERR storage
// (counted as an internal storage error); the next request is decided as usual.
TEST_F(DeciderTest, AStorageThatThrowsFailsTheRequestNotTheDaemon) {
  Use("storage: { uri: \"throws://\" }\nlimits: { api: \"5/minute\" }\n");
  for (int i = 0; i < 2; ++i) {
    const Answer a = Ask(Verb::kHit, "api");
    EXPECT_EQ(a.kind, Answer::Kind::kError);
    EXPECT_EQ(a.error, ErrorCode::kStorage);
    EXPECT_NE(a.message.find("internal"), std::string::npos) << a.message;
  }
  EXPECT_EQ(Sample("limitsd_storage_errors_total{kind=\"internal\"}"), 2u);
  // A reset whose Clear throws fails the same way.
  const Answer reset = Ask(Verb::kReset, "api");
  EXPECT_EQ(reset.kind, Answer::Kind::kError);
  EXPECT_EQ(reset.error, ErrorCode::kStorage);
  // on_error: local decides on the memory store when the storage throws.
  Use("storage: { uri: \"throws://\", on_error: local }\nlimits: { api: \"1/minute\" }\n");
  EXPECT_EQ(Ask(Verb::kHit, "api").source, Answer::Source::kLocal);
  EXPECT_FALSE(Ask(Verb::kHit, "api").decision.allowed);
}

TEST_F(DeciderTest, OnErrorAllowAndDenySubstituteADecision) {
  Use("storage: { uri: \"down://\", on_error: allow }\nlimits: { api: \"5/minute\" }\n");
  Answer a = Ask(Verb::kHit, "api");
  ASSERT_EQ(a.kind, Answer::Kind::kDecision);
  EXPECT_TRUE(a.decision.allowed);
  EXPECT_EQ(a.decision.remaining, 5);
  EXPECT_EQ(a.source, Answer::Source::kSubstituted);

  Use("storage: { uri: \"down://\", on_error: deny, timeout_ms: 70 }\n"
      "limits: { api: \"5/minute\" }\n");
  a = Ask(Verb::kHit, "api");
  ASSERT_EQ(a.kind, Answer::Kind::kDecision);
  EXPECT_FALSE(a.decision.allowed);
  EXPECT_EQ(a.decision.retry_ms, 70);
}

TEST_F(DeciderTest, OnErrorLocalDecidesOnTheMemoryStore) {
  Use("storage: { uri: \"down://\", on_error: local }\nlimits: { api: \"2/minute\" }\n");
  EXPECT_EQ(Ask(Verb::kHit, "api").source, Answer::Source::kLocal);
  EXPECT_TRUE(Ask(Verb::kHit, "api").decision.allowed);
  const Answer third = Ask(Verb::kHit, "api");
  EXPECT_FALSE(third.decision.allowed);
  EXPECT_EQ(third.source, Answer::Source::kLocal);
  EXPECT_EQ(Sample("limitsd_local_decisions_total"), 3u);
}

TEST_F(DeciderTest, InlineLimitsAreCountedUnderOneLabelAndProtocolsApart) {
  Use("limits: { api: \"5/minute\" }\n");
  Ask(Verb::kHit, "5/minute", "a");
  Ask(Verb::kHit, "7/minute", "b");
  Ask(Verb::kTest, "moving-window:9/minute", "c");
  EXPECT_EQ(Sample("limitsd_decisions_total{limit=\"(inline)\",outcome=\"allowed\"}"), 3u);
  testing::Get(io_, decider_->Decide(Query{Verb::kHit, "api", "k", 1, Protocol::kHttp}));
  testing::Get(io_, decider_->Decide(Verb::kHit, generation_->limits->at("api"), "k", 1,
                                     Protocol::kGrpc));
  EXPECT_EQ(Sample("limitsd_requests_total{protocol=\"http\",verb=\"hit\",result=\"allowed\"}"),
            1u);
  EXPECT_EQ(Sample("limitsd_requests_total{protocol=\"grpc\",verb=\"hit\",result=\"allowed\"}"),
            1u);
  EXPECT_EQ(Sample("limitsd_decisions_total{limit=\"api\",outcome=\"allowed\"}"), 2u);
}

TEST_F(DeciderTest, AShadowedLimitDecidesCountsAndAlwaysAllows) {
  Use("limits:\n  trial: { rate: \"1/minute\", shadow: true }\n  real: \"1/minute\"\n");
  const Answer first = Ask(Verb::kHit, "trial");
  EXPECT_TRUE(first.decision.allowed);
  EXPECT_FALSE(first.shadowed);  // allowed on its own
  const Answer second = Ask(Verb::kHit, "trial");
  ASSERT_EQ(second.kind, Answer::Kind::kDecision);
  EXPECT_TRUE(second.decision.allowed);
  EXPECT_TRUE(second.shadowed);
  EXPECT_EQ(second.decision.remaining, 0);
  EXPECT_EQ(second.decision.retry_ms, 0);
  EXPECT_GT(second.decision.reset_ms, 0);
  Ask(Verb::kHit, "real");
  EXPECT_FALSE(Ask(Verb::kHit, "real").decision.allowed);  // only `trial` is shadowed
  EXPECT_FALSE(Ask(Verb::kHit, "5/minute").shadowed);
  EXPECT_EQ(Sample("limitsd_decisions_total{limit=\"trial\",outcome=\"allowed\"}"), 1u);
  EXPECT_EQ(Sample("limitsd_decisions_total{limit=\"trial\",outcome=\"shadow\"}"), 1u);
  EXPECT_EQ(Sample("limitsd_decisions_total{limit=\"trial\",outcome=\"denied\"}"), 0u);
  EXPECT_EQ(Sample("limitsd_decisions_total{limit=\"real\",outcome=\"denied\"}"), 1u);
}

TEST_F(DeciderTest, GlobalShadowModeCoversInlineLimitsAndReloadsTurnItOff) {
  Use("shadow: true\nlimits: { api: \"1/minute\" }\n");
  Ask(Verb::kHit, "1/minute");
  EXPECT_TRUE(Ask(Verb::kHit, "1/minute").shadowed);
  Ask(Verb::kHit, "api");
  EXPECT_TRUE(Ask(Verb::kHit, "api").decision.allowed);
  EXPECT_EQ(Sample("limitsd_decisions_total{limit=\"(inline)\",outcome=\"shadow\"}"), 1u);
  decider_->Apply(testing::MakeGeneration("limits: { api: \"1/minute\" }\n", generation_, 2));
  const Answer enforced = Ask(Verb::kHit, "api");
  EXPECT_FALSE(enforced.decision.allowed);
  EXPECT_FALSE(enforced.shadowed);
}

TEST_F(DeciderTest, ApplySwapsLimitsAndKeepsTheCountersOfUnchangedOnes) {
  Use("limits: { kept: \"5/minute\", changed: \"2/minute\" }\n");
  Ask(Verb::kHit, "kept");
  Ask(Verb::kHit, "changed");
  Ask(Verb::kHit, "changed");
  auto next = testing::MakeGeneration("limits: { kept: \"5/minute\", changed: \"3/minute\" }\n",
                                      generation_, 2);
  ASSERT_TRUE(next->backend->SharesStorageWith(*generation_->backend));
  decider_->Apply(next);
  EXPECT_EQ(Ask(Verb::kHit, "kept").decision.remaining, 3);
  const Answer changed = Ask(Verb::kHit, "changed");
  EXPECT_EQ(changed.decision.limit, 3);
  EXPECT_EQ(changed.decision.remaining, 2);  // a changed rate starts afresh
}

TEST_F(DeciderTest, ApplyWithOtherStorageSettingsOpensAnotherStorage) {
  Use("limits: { api: \"5/minute\" }\n");
  Ask(Verb::kHit, "api");
  auto next = testing::MakeGeneration(
      "storage: { uri: \"memory://\", options: { shards: \"4\" } }\nlimits: { api: \"5/minute\" }\n",
      generation_, 2);
  EXPECT_FALSE(next->backend->SharesStorageWith(*generation_->backend));
  decider_->Apply(next);
  EXPECT_EQ(Ask(Verb::kHit, "api").decision.remaining, 4);
}

// A ready answer borrows its limit; an awaited one keeps it, even when a reload drops it
// from the table meanwhile.
TEST_F(DeciderTest, AnAwaitedAnswerKeepsItsLimitAcrossAReload) {
  Use("storage: { uri: \"down://\", on_error: deny }\nlimits: { api: \"5/minute\" }\n");
  storage::Pending<Answer> pending = decider_->Decide(Query{Verb::kHit, "api", "k", 1});
  ASSERT_FALSE(pending.ready());
  auto next = testing::MakeGeneration(
      "storage: { uri: \"down://\", on_error: deny }\nlimits: { other: \"1/minute\" }\n",
      generation_, 2);
  decider_->Apply(next);
  generation_ = next;  // nothing but the pending call holds the old limits now
  const Answer answer = testing::Get(io_, std::move(pending));
  ASSERT_EQ(answer.kind, Answer::Kind::kDecision);
  EXPECT_FALSE(answer.decision.allowed);
  ASSERT_NE(answer.owner, nullptr);
  EXPECT_EQ(answer.limit, answer.owner.get());
  EXPECT_EQ(answer.limit->name(), "api");
  EXPECT_EQ(answer.limit->rates().front().amount(), 5);

  Use("limits: { api: \"5/minute\" }\n");
  const Answer ready = Ask(Verb::kHit, "api");
  EXPECT_EQ(ready.owner, nullptr);
  EXPECT_EQ(ready.limit, table_->Find("api"));
}

// Where a prefetch found the key (Query::location) is used only where it still holds: not
// after a reload that changed the limit's rate on the same storage, nor after one that opened
// another storage, nor for another limit; a limit of several rates gets none. The answers are
// those of decisions without it.
TEST_F(DeciderTest, ALocationFromAPrefetchIsUsedOnlyWhereItStillHolds) {
  const std::string limits = "limits: { api: \"3/minute\", both: \"3/minute;10/hour\" }\n";
  Use(limits);
  const std::string key = "k";
  auto hit = [&](std::string_view limit, const storage::KeyLocation& at) {
    return testing::Get(
        io_, decider_->Decide(Query{Verb::kHit, limit, key, 1, Protocol::kLine, {}, &at}));
  };
  storage::KeyLocation at;
  decider_->Prefetch("api", key, &at);
  ASSERT_FALSE(at.empty());
  EXPECT_EQ(hit("api", at).decision.remaining, 2);
  EXPECT_EQ(hit("api", at).decision.remaining, 1);
  EXPECT_EQ(hit("both", at).decision.remaining, 2);
  storage::KeyLocation none;
  decider_->Prefetch("both", key, &none);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(hit("both", none).decision.remaining, 1);

  // The rate changed on the same storage: the old rate's entry is not touched.
  auto changed = testing::MakeGeneration(
      "limits: { api: \"5/minute\", both: \"3/minute;10/hour\" }\n", generation_, 2);
  ASSERT_TRUE(changed->backend->SharesStorageWith(*generation_->backend));
  decider_->Apply(changed);
  Answer a = hit("api", at);
  EXPECT_EQ(a.decision.limit, 5);
  EXPECT_EQ(a.decision.remaining, 4);  // a changed rate starts afresh
  decider_->Apply(testing::MakeGeneration(limits, generation_, 3));
  EXPECT_EQ(hit("api", at).decision.remaining, 0);  // the first rate's entry, as it was

  // Another storage: its own windows.
  storage::KeyLocation old_store;
  decider_->Prefetch("api", key, &old_store);
  ASSERT_FALSE(old_store.empty());
  auto other = testing::MakeGeneration(
      "storage: { uri: \"memory://\", options: { shards: \"4\" } }\n" + limits, generation_, 4);
  ASSERT_FALSE(other->backend->SharesStorageWith(*generation_->backend));
  decider_->Apply(other);
  EXPECT_EQ(hit("api", old_store).decision.remaining, 2);
  EXPECT_EQ(hit("both", old_store).decision.remaining, 2);
}

TEST_F(DeciderTest, ApplyChangesOnError) {
  Use("storage: { uri: \"down://\" }\nlimits: { api: \"5/minute\" }\n");
  EXPECT_EQ(Ask(Verb::kHit, "api").kind, Answer::Kind::kError);
  decider_->Apply(testing::MakeGeneration(
      "storage: { uri: \"down://\", on_error: allow }\nlimits: { api: \"5/minute\" }\n",
      generation_, 2));
  EXPECT_TRUE(Ask(Verb::kHit, "api").decision.allowed);
}

}  // namespace
}  // namespace limitsd::server
