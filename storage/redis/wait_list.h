#pragma once
// Callers waiting, each with its own deadline, for one event on a single-threaded executor
// (a connection becoming ready, a topology refresh finishing).

#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "storage/redis/redis_protocol.h"
#include "storage/result.h"

namespace limitsd::storage::redis {

class WaitList {
 public:
  explicit WaitList(boost::asio::any_io_executor executor) : executor_(executor) {}

  /// Suspends until NotifyAll() or `deadline`; true when notified in time.
  Task<bool> Wait(Deadline deadline);
  /// Wakes every caller waiting now.
  void NotifyAll();

 private:
  struct Waiter {
    explicit Waiter(const boost::asio::any_io_executor& executor) : timer(executor) {}
    boost::asio::steady_timer timer;
    bool notified = false;
  };

  boost::asio::any_io_executor executor_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace limitsd::storage::redis
