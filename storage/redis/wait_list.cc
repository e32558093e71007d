#include "storage/redis/wait_list.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace limitsd::storage::redis {

Task<bool> WaitList::Wait(Deadline deadline) {
  auto waiter = std::make_shared<Waiter>(executor_);
  waiter->timer.expires_at(deadline);
  // Drop the entries of callers that gave up, so a list nobody notifies cannot grow.
  std::erase_if(waiters_, [](const auto& w) { return w.use_count() == 1; });
  waiters_.push_back(waiter);
  co_await waiter->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return waiter->notified;
}

void WaitList::NotifyAll() {
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& waiter : waiters) {
    waiter->notified = true;
    waiter->timer.cancel();
  }
}

}  // namespace limitsd::storage::redis
