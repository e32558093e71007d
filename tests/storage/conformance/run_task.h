#pragma once
// Runs one storage coroutine to completion on an io_context and returns its result: the
// bridge between synchronous GoogleTest bodies and the asynchronous storage interface.

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "storage/result.h"

namespace limitsd::storage::conformance {

/// Spawns `task` on `io` and runs `io` until the task completes (other work on `io`, e.g. a
/// backend's connection readers, may stay pending). Rethrows what the task threw; throws
/// std::runtime_error when `io` runs out of work or `timeout` passes first.
template <class T>
T RunTask(boost::asio::io_context& io, Task<T> task,
          std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result.emplace(std::move(value));
    done = true;
  });
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && !io.stopped() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(100));
  }
  if (error) std::rethrow_exception(error);
  if (!done) throw std::runtime_error(io.stopped() ? "RunTask: the io_context ran out of work"
                                                   : "RunTask: timed out");
  return std::move(*result);
}

}  // namespace limitsd::storage::conformance
