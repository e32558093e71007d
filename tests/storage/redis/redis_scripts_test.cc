// The scripts' integer helpers run on a real server and checked against 128-bit C++
// arithmetic, at the bounds the protocol allows (counts up to 1e9, windows up to 10 years,
// times in microseconds since the epoch).
#include "storage/redis/redis_scripts.h"

#include <random>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "storage/redis/redis_connection.h"
#include "tests/storage/conformance/run_task.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::storage::redis {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kTenYears = 315'360'000'000'000;  // us
constexpr std::int64_t kMaxCount = 1'000'000'000;

class RedisScriptsTest : public ::testing::Test {
 protected:
  // Evaluates `body` after the helpers with `args` as ARGV; returns the integer array.
  std::vector<std::int64_t> Eval(const std::string& body, const std::vector<std::string>& args) {
    const std::string source = std::string(ArithmeticLua()) + body;
    std::vector<std::string_view> argv{"EVAL", source, "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string command = FormatCommand(argv);
    auto reply = conformance::RunTask(
        io_, connection_->Call(command, SteadyClock::now() + 10s));
    std::vector<std::int64_t> out;
    if (!reply) {
      ADD_FAILURE() << reply.error().message();
      return out;
    }
    EXPECT_EQ((*reply)->type, REDIS_REPLY_ARRAY) << ReplyText(**reply);
    for (std::size_t i = 0; i < (*reply)->elements; ++i) out.push_back((*reply)->element[i]->integer);
    return out;
  }

  testing::RedisServer server_;
  boost::asio::io_context io_{1};
  std::shared_ptr<RedisConnection> connection_ = std::make_shared<RedisConnection>(
      io_.get_executor(), RedisEndpoint{"127.0.0.1", server_.port(), {}},
      std::make_shared<SessionOptions>());
};

TEST_F(RedisScriptsTest, MulDivIsExactWhereDoublesAreNot) {
  std::mt19937_64 random(42);
  std::vector<std::array<std::int64_t, 3>> cases = {
      {kMaxCount, kTenYears, kTenYears},
      {kMaxCount, kTenYears - 1, kTenYears},
      {kMaxCount, 1, kTenYears},
      {0, kTenYears, kTenYears},
      {kMaxCount - 1, kTenYears - 7, kTenYears},
      {999'999'937, 315'359'999'999'989, kTenYears},
  };
  for (int i = 0; i < 300; ++i) {
    const std::int64_t c = 1 + static_cast<std::int64_t>(random() % kTenYears);
    const std::int64_t b = static_cast<std::int64_t>(random() % (c + 1));
    const std::int64_t a = static_cast<std::int64_t>(random() % (kMaxCount + 1));
    cases.push_back({a, b, c});
  }
  // Products just below a multiple of c: where a double's rounding flips the floor.
  for (std::int64_t a = kMaxCount; a > kMaxCount - 50; --a) {
    const std::int64_t c = kTenYears;
    const std::int64_t b = c - 3;
    cases.push_back({a, b, c});
  }
  std::vector<std::string> args;
  for (const auto& [a, b, c] : cases) {
    args.insert(args.end(), {std::to_string(a), std::to_string(b), std::to_string(c)});
  }
  const auto got = Eval(R"lua(
    local out = {}
    for i = 1, #ARGV, 3 do
      out[#out + 1] = mul_div(tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]))
    end
    return out)lua", args);
  ASSERT_EQ(got.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [a, b, c] = cases[i];
    const auto expected = static_cast<std::int64_t>(static_cast<__int128>(a) * b / c);
    EXPECT_EQ(got[i], expected) << a << " * " << b << " / " << c;
  }
}

TEST_F(RedisScriptsTest, BucketsAreExactFloors) {
  std::mt19937_64 random(7);
  std::vector<std::array<std::int64_t, 2>> cases = {
      {1'700'000'000'000'000, 1'000'000},
      {1'700'000'000'000'000 - 1, 1'000'000},
      {kTenYears * 5, kTenYears},
      {kTenYears * 5 - 1, kTenYears},
      {8'000'000'000'000'000, 3},  // near 2^53
  };
  for (int i = 0; i < 200; ++i) {
    const std::int64_t e = 1 + static_cast<std::int64_t>(random() % kTenYears);
    const std::int64_t now = 1'600'000'000'000'000 + static_cast<std::int64_t>(random() % kTenYears);
    cases.push_back({now, e});
    cases.push_back({now - now % e, e});       // exactly on a boundary
    cases.push_back({now - now % e - 1, e});   // just before it
  }
  std::vector<std::string> args;
  for (const auto& [now, e] : cases) args.insert(args.end(), {std::to_string(now), std::to_string(e)});
  const auto got = Eval(R"lua(
    local out = {}
    for i = 1, #ARGV, 2 do out[#out + 1] = bucket_of(tonumber(ARGV[i]), tonumber(ARGV[i + 1])) end
    return out)lua", args);
  ASSERT_EQ(got.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(got[i], cases[i][0] / cases[i][1]) << cases[i][0] << " / " << cases[i][1];
  }
}

}  // namespace
}  // namespace limitsd::storage::redis
