#include "server/io_context_pool.h"

namespace limitsd::server {

IoContextPool::IoContextPool(std::size_t threads) {
  if (threads == 0) threads = 1;
  for (std::size_t i = 0; i < threads; ++i) {
    // Concurrency hint 1: each context is run by exactly one thread.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

std::vector<boost::asio::any_io_executor> IoContextPool::Executors() const {
  std::vector<boost::asio::any_io_executor> executors;
  for (const auto& context : contexts_) executors.emplace_back(context->get_executor());
  return executors;
}

void IoContextPool::Run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([context = contexts_[i].get()] { context->run(); });
  }
  contexts_[0]->run();
  for (auto& thread : threads) thread.join();
}

void IoContextPool::Stop() {
  for (auto& context : contexts_) context->stop();
}

}  // namespace limitsd::server
