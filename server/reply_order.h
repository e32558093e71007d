#pragma once
// The replies of one batch of a connection's requests, in the requests' order, while the
// requests that wait for the storage run alongside the ones after them. Each request is
// handled in order; one that has to wait is spawned (its storage call goes out at once,
// with the others of the batch) and writes its reply into a slot of its own when done;
// later replies go to later slots. Finish waits for every spawned request and appends the
// slots to the output in order.
//
// A RESET is a barrier: it is handled once the requests before it are done, and the ones
// after it once it is done, so that it takes effect exactly between them (a storage may
// send a RESET by another path than decisions, and RESET is a task even on memory://,
// where decisions are immediate).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "storage/result.h"

namespace limitsd::server {

class ReplyOrder {
 public:
  /// At most this many requests of one connection wait for the storage at once.
  static constexpr std::size_t kMaxInFlight = 256;

  ReplyOrder(std::string& out, boost::asio::any_io_executor executor);
  ReplyOrder(const ReplyOrder&) = delete;
  ReplyOrder& operator=(const ReplyOrder&) = delete;

  /// Where the next request's reply goes. Call after MustWait/Ready, right before the
  /// request is handled.
  std::string& Target();
  /// The request whose reply goes to `target` (the last Target()) waits: `task` runs from
  /// now on and writes that reply. `barrier`: the next request waits until it is done.
  void Spawn(std::string& target, storage::Task<bool> task, bool barrier);
  /// Whether the next request (a barrier or not) must wait (Ready) before it is handled.
  bool MustWait(bool barrier) const noexcept {
    return in_flight_ >= kMaxInFlight || barriers_ > 0 || (barrier && in_flight_ > 0);
  }
  /// Waits until the next request may be handled.
  storage::Task<void> Ready(bool barrier);
  bool idle() const noexcept { return in_flight_ == 0 && slots_.empty(); }
  /// Waits for every spawned request, then appends the slots to the output. False when a
  /// spawned request ended with an exception (its reply is missing: close the connection).
  storage::Task<bool> Finish();

 private:
  struct Slot {
    std::string reply;
    bool done = true;
  };

  storage::Task<void> Wake();

  std::string& out_;
  boost::asio::any_io_executor executor_;
  std::vector<std::unique_ptr<Slot>> slots_;  // pointers stay put for the spawned requests
  std::optional<boost::asio::steady_timer> wake_;
  std::size_t in_flight_ = 0;
  std::size_t barriers_ = 0;  // spawned barriers not done yet
  bool out_waits_ = false;    // a spawned request writes into out_ itself
  bool failed_ = false;
};

}  // namespace limitsd::server
