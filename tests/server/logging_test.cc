#include "server/logging.h"

#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace limitsd::server {
namespace {

// A logger that writes "<level> <message>" lines into a string stream.
class LogExceptionTest : public ::testing::Test {
 protected:
  LogExceptionTest()
      : logger_("test", std::make_shared<spdlog::sinks::ostream_sink_st>(out_)) {
    logger_.set_pattern("%l %v");
  }

  std::ostringstream out_;
  spdlog::logger logger_;
};

TEST_F(LogExceptionTest, AStandardExceptionIsLoggedWithItsMessage) {
  LogException(logger_, "request failed",
               std::make_exception_ptr(std::runtime_error("the socket closed")));
  EXPECT_EQ(out_.str(), "error request failed: the socket closed\n");
}

TEST_F(LogExceptionTest, AnythingElseThrownIsNamedNonStandard) {
  LogException(logger_, "storage call threw", std::make_exception_ptr(7));
  EXPECT_EQ(out_.str(), "error storage call threw: a non-standard exception\n");
}

TEST_F(LogExceptionTest, NoExceptionLogsNothing) {
  LogException(logger_, "request failed", nullptr);
  EXPECT_EQ(out_.str(), "");
}

// From inside a catch block, as the daemon's catch (...) sites use it.
TEST_F(LogExceptionTest, TheExceptionBeingHandledIsLogged) {
  try {
    throw std::logic_error("bad state");
  } catch (...) {
    LogException(logger_, "connection 3", std::current_exception());
  }
  EXPECT_EQ(out_.str(), "error connection 3: bad state\n");
}

}  // namespace
}  // namespace limitsd::server
