#pragma once
// One io_context per I/O thread; each connection is pinned to one, so a connection's
// coroutines never need a strand.

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace limitsd::server {

class IoContextPool {
 public:
  explicit IoContextPool(std::size_t threads);
  IoContextPool(const IoContextPool&) = delete;
  IoContextPool& operator=(const IoContextPool&) = delete;

  std::size_t size() const noexcept { return contexts_.size(); }
  boost::asio::io_context& at(std::size_t i) { return *contexts_[i]; }
  std::vector<boost::asio::any_io_executor> Executors() const;

  /// Runs contexts 1..n-1 on threads of their own and context 0 on the calling thread;
  /// returns when all have stopped.
  void Run();
  /// Stops every context now.
  void Stop();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
};

}  // namespace limitsd::server
