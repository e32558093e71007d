// The take script restates the strategies' definitions (strategy/*.h) in Lua. This test
// holds the two together: the same random requests go through the script on a real
// redis-server and through the memory store (which runs the C++ definitions), on one
// simulated clock, and every field of every state must agree. The script's clock is
// swapped for two keys the test sets (its TIME call is the only difference); fixed windows
// expire by Redis' own clock, so they last longer than the run and only their counts are
// compared.

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "storage/memory/memory_storage.h"
#include "storage/redis/redis_connection.h"
#include "storage/redis/redis_protocol.h"
#include "storage/redis/redis_scripts.h"
#include "storage/redis/redis_take_request.h"
#include "tests/storage/conformance/run_task.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::storage::redis {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kTimeCall = "local tm = redis.call('TIME')";

std::string ScriptOnTestClock() {
  std::string source = TakeScript().source;
  const std::size_t at = source.find(kTimeCall);
  EXPECT_NE(at, std::string::npos) << "the take script no longer reads TIME this way";
  if (at != std::string::npos) {
    source.replace(at, kTimeCall.size(),
                   "local tm = {redis.call('GET', 'model:clock:s'), "
                   "redis.call('GET', 'model:clock:us')}");
  }
  return source;
}

class RedisScriptModelTest : public ::testing::Test {
 protected:
  void SetTime(std::int64_t now) {
    clock_->Set(Micros{now});
    Call({"SET", "model:clock:s", std::to_string(now / 1'000'000)});
    Call({"SET", "model:clock:us", std::to_string(now % 1'000'000)});
  }

  Result<TakeOutcome> ViaScript(std::span<const RateQuery> rates, std::int64_t cost,
                                TakeMode mode) {
    const TakeRequest request = EncodeTake("model", rates, cost, mode);
    std::vector<std::string_view> argv{"EVAL", script_};
    const std::string nkeys = std::to_string(request.keys.size());
    argv.push_back(nkeys);
    for (const std::string& k : request.keys) argv.push_back(k);
    for (const std::string& a : request.args) argv.push_back(a);
    auto reply = conformance::RunTask(io_, connection_->Call(FormatCommand(argv),
                                                             SteadyClock::now() + 10s));
    if (!reply) return reply.error();
    const redisReply& r = **reply;
    if (r.type != REDIS_REPLY_ARRAY || r.elements != TakeReplySize(request.kinds)) {
      ADD_FAILURE() << ReplyText(r);
      return StorageErrc::kProtocol;
    }
    TakeOutcome outcome;
    if (auto error = DecodeTake(r.element, request.kinds, outcome)) return error;
    return outcome;
  }

  void Call(std::initializer_list<std::string_view> args) {
    auto reply = conformance::RunTask(io_, connection_->Call(FormatCommand(args),
                                                             SteadyClock::now() + 10s));
    ASSERT_TRUE(reply) << reply.error().message();
  }

  testing::RedisServer server_;
  boost::asio::io_context io_{1};
  std::shared_ptr<RedisConnection> connection_ = std::make_shared<RedisConnection>(
      io_.get_executor(), RedisEndpoint{"127.0.0.1", server_.port(), {}},
      std::make_shared<SessionOptions>());
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  memory::MemoryStorage model_{clock_, 4};
  const std::string script_ = ScriptOnTestClock();
};

// Every field but a fixed window's time to live, which Redis keeps on its own clock.
void ExpectSameState(const WindowState& script, const WindowState& model, const std::string& at) {
  ASSERT_EQ(script.index(), model.index()) << at;
  if (const auto* f = std::get_if<FixedWindowState>(&script)) {
    EXPECT_EQ(f->count, std::get<FixedWindowState>(model).count) << at;
    return;
  }
  EXPECT_EQ(script, model) << at;
}

TEST_F(RedisScriptModelTest, RandomRequestsAgreeFieldByField) {
  std::mt19937_64 random(20261130);
  const auto pick = [&](std::int64_t n) { return static_cast<std::int64_t>(random() % n); };
  constexpr StrategyKind kKinds[] = {StrategyKind::kFixedWindow, StrategyKind::kMovingWindow,
                                     StrategyKind::kSlidingWindowCounter, StrategyKind::kGcra};
  constexpr std::int64_t kWindows[] = {1'000'000, 2'000'000, 10'000'000};
  std::int64_t now = 1'700'000'000'123'456;
  SetTime(now);
  // A few keys, each with one fixed shape, so that states build up over many requests.
  struct Shape {
    std::string key;
    StrategyKind kind;
    std::int64_t limit;
    Micros window;
    Micros interval;
  };
  std::vector<Shape> shapes;
  for (int i = 0; i < 12; ++i) {
    const StrategyKind kind = kKinds[i % 4];
    const std::int64_t limit = 1 + pick(8);
    // Fixed windows last longer than the whole run: Redis ends them on its own clock.
    const Micros window{kind == StrategyKind::kFixedWindow ? 3'600'000'000 : kWindows[pick(3)]};
    const Micros interval = kind == StrategyKind::kGcra ? window / limit : Micros{0};
    shapes.push_back({"{t" + std::to_string(i / 3) + "}/" + std::to_string(i), kind, limit,
                      window, interval});
  }
  int compared = 0;
  for (int step = 0; step < 600; ++step) {
    now += pick(4) == 0 ? pick(3'000'000) : pick(200'000);
    SetTime(now);
    // One or two shapes of the same tag: every rate or none.
    const std::size_t first = static_cast<std::size_t>(pick(12));
    std::vector<RateQuery> rates;
    for (std::size_t j = first; j < shapes.size() && j < first + 1 + pick(2); ++j) {
      if (shapes[j].key.substr(0, 4) != shapes[first].key.substr(0, 4)) break;
      rates.push_back({shapes[j].key, shapes[j].kind, shapes[j].limit, shapes[j].window,
                       shapes[j].interval});
    }
    const std::int64_t cost = 1 + pick(3);
    const TakeMode mode = pick(4) == 0 ? TakeMode::kPeek : TakeMode::kHit;
    const std::string at = "step " + std::to_string(step);
    const Result<TakeOutcome> script = ViaScript(rates, cost, mode);
    ASSERT_TRUE(script) << at << ": " << script.error().message();
    const Result<TakeOutcome> model = model_.TakeAllImmediately(rates, cost, mode);
    ASSERT_TRUE(model) << at;
    ASSERT_EQ(script->taken, model->taken) << at;
    ASSERT_EQ(script->states.size(), model->states.size()) << at;
    for (std::size_t i = 0; i < rates.size(); ++i) {
      ExpectSameState(script->states[i], model->states[i], at + " rate " + std::to_string(i));
      ++compared;
    }
  }
  EXPECT_GT(compared, 600);
}

}  // namespace
}  // namespace limitsd::storage::redis
