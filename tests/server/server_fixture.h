#pragma once
// What the server tests decide with: a configuration from YAML, loaded and validated as
// the daemon does, a generation over its real storage (memory:// unless the YAML says
// otherwise), and a way to run what has to be awaited.

#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "config/config.h"
#include "server/generation.h"
#include "storage/pending.h"

namespace limitsd::server::testing {

/// Loads and validates `yaml`; fails the test (and throws) on any error.
config::Config LoadConfig(const std::string& yaml);

/// A generation of `yaml`; shares the storage of `previous` when its settings are the same.
std::shared_ptr<const Generation> MakeGeneration(const std::string& yaml,
                                                 std::shared_ptr<const Generation> previous = {},
                                                 std::uint64_t number = 1);

/// The value of the sample `series` (name and labels as rendered) in a metrics page; fails
/// the test and returns 0 when it is not there.
std::uint64_t SampleOf(const std::string& page, const std::string& series);

/// The value of `pending`, running `io` until it is there.
template <class T>
T Get(boost::asio::io_context& io, storage::Pending<T> pending) {
  if (pending.ready()) return std::move(pending).value();
  auto future = boost::asio::co_spawn(io, std::move(pending).Wait(), boost::asio::use_future);
  io.restart();
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  return future.get();
}

}  // namespace limitsd::server::testing
