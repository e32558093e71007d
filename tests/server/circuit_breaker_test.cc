#include "server/circuit_breaker.h"

#include <gtest/gtest.h>

namespace limitsd::server {
namespace {

using State = CircuitBreaker::State;
using std::chrono::milliseconds;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  void FailTimes(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(breaker_.Allow(now_));
      breaker_.Failed(now_);
    }
  }
  CircuitBreaker breaker_;
  CircuitBreaker::Clock::time_point now_{std::chrono::seconds(1000)};
};

TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailuresOnly) {
  FailTimes(CircuitBreaker::kFailuresToOpen - 1);
  breaker_.Succeeded();  // the count starts over
  FailTimes(CircuitBreaker::kFailuresToOpen - 1);
  EXPECT_EQ(breaker_.state(), State::kClosed);
  FailTimes(1);
  EXPECT_EQ(breaker_.state(), State::kOpen);
  EXPECT_FALSE(breaker_.Allow(now_));
  EXPECT_FALSE(breaker_.Allow(now_ + CircuitBreaker::kOpenFor - milliseconds(1)));
}

TEST_F(CircuitBreakerTest, HalfOpenLetsOneProbeThrough) {
  FailTimes(CircuitBreaker::kFailuresToOpen);
  now_ += CircuitBreaker::kOpenFor;
  EXPECT_TRUE(breaker_.Allow(now_));  // the probe
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
  EXPECT_FALSE(breaker_.Allow(now_));  // the others wait for its outcome
  breaker_.Succeeded();
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.Allow(now_));
}

TEST_F(CircuitBreakerTest, AFailedProbeOpensItAgainForAnotherPeriod) {
  FailTimes(CircuitBreaker::kFailuresToOpen);
  now_ += CircuitBreaker::kOpenFor;
  ASSERT_TRUE(breaker_.Allow(now_));
  breaker_.Failed(now_);
  EXPECT_EQ(breaker_.state(), State::kOpen);
  EXPECT_FALSE(breaker_.Allow(now_ + CircuitBreaker::kOpenFor - milliseconds(1)));
  EXPECT_TRUE(breaker_.Allow(now_ + CircuitBreaker::kOpenFor));
}

TEST_F(CircuitBreakerTest, LateFailuresOfCallsLetThroughBeforeDoNotExtendAnOpenPeriod) {
  FailTimes(CircuitBreaker::kFailuresToOpen);
  breaker_.Failed(now_ + milliseconds(400));  // sent while closed, failed after it opened
  EXPECT_TRUE(breaker_.Allow(now_ + CircuitBreaker::kOpenFor));
}

}  // namespace
}  // namespace limitsd::server
