#include "server/worker.h"

#include <vector>

#include "server/generation.h"

namespace limitsd::server {

Worker::Worker(boost::asio::io_context& io, LimitTable table, limits::RateLimiter& limiter,
               limits::RateLimiter* fallback, DeciderSettings decider,
               ConnectionSettings connection, Metrics& metrics)
    : io_(io),
      counters_(metrics.AddThread()),
      table_(std::move(table)),
      decider_(limiter, fallback, table_, decider, counters_),
      authenticator_(decider_, counters_),
      handler_(decider_, authenticator_, counters_),
      settings_(connection),
      metrics_(metrics) {}

Worker::Worker(boost::asio::io_context& io, std::shared_ptr<const Generation> generation,
               ConnectionSettings connection, Metrics& metrics)
    : io_(io),
      counters_(metrics.AddThread()),
      table_(generation->NewLimitTable()),
      decider_(generation, table_, counters_),
      authenticator_(decider_, counters_),
      handler_(decider_, authenticator_, counters_),
      settings_(connection),
      metrics_(metrics) {}

void Worker::Add(const std::shared_ptr<Session>& connection) {
  connections_.emplace(connection.get(), connection);
}

void Worker::Remove(const Session* connection) {
  connections_.erase(connection);
}

void Worker::ShutdownAll() {
  // Copy: a connection may remove itself while shutting down.
  std::vector<std::shared_ptr<Session>> all;
  for (const auto& [_, connection] : connections_) all.push_back(connection);
  for (const auto& connection : all) connection->Shutdown();
}

}  // namespace limitsd::server
