#include "server/reply_order.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "server/logging.h"

namespace limitsd::server {
namespace {

namespace asio = boost::asio;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

ReplyOrder::ReplyOrder(std::string& out, asio::any_io_executor executor)
    : out_(out), executor_(std::move(executor)) {}

std::string& ReplyOrder::Target() {
  if (!out_waits_ && slots_.empty()) return out_;
  if (slots_.empty() || !slots_.back()->done) slots_.push_back(std::make_unique<Slot>());
  return slots_.back()->reply;
}

void ReplyOrder::Spawn(std::string& target, storage::Task<bool> task, bool barrier) {
  Slot* slot = nullptr;
  if (&target == &out_) {
    out_waits_ = true;
  } else {
    slot = slots_.back().get();
    slot->done = false;
  }
  if (!wake_) wake_.emplace(executor_);
  ++in_flight_;
  if (barrier) ++barriers_;
  asio::co_spawn(executor_, std::move(task),
                 [this, slot, barrier](std::exception_ptr error, bool) {
                   if (error) {
                     failed_ = true;
                     LogException(*spdlog::default_logger_raw(), "request failed", error);
                   }
                   if (slot != nullptr) {
                     slot->done = true;
                   } else {
                     out_waits_ = false;
                   }
                   --in_flight_;
                   if (barrier) --barriers_;
                   wake_->cancel();
                 });
}

storage::Task<void> ReplyOrder::Ready(bool barrier) {
  while (MustWait(barrier)) co_await Wake();
}

storage::Task<bool> ReplyOrder::Finish() {
  while (in_flight_ > 0) co_await Wake();
  for (const auto& slot : slots_) out_ += slot->reply;
  slots_.clear();
  co_return !failed_;
}

// Sleeps until a spawned request ends; each cancels the timer.
// Nothing completes between the caller's check and this wait: both run on one thread and
// the completions run only while the caller is suspended here.
storage::Task<void> ReplyOrder::Wake() {
  wake_->expires_at(asio::steady_timer::time_point::max());
  co_await wake_->async_wait(kNoThrow);
}

}  // namespace limitsd::server
