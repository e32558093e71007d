#include "server/backend.h"

#include <spdlog/spdlog.h>

#include "storage/storage_registry.h"

namespace limitsd::server {
namespace {

std::shared_ptr<LimiterStack> OpenStack(const storage::StorageContext& context) {
  auto stack = std::make_shared<LimiterStack>();
  stack->storage = storage::StorageRegistry::Instance().Create(context);
  stack->limiter = std::make_unique<limits::RateLimiter>(*stack->storage);
  return stack;
}

}  // namespace

std::shared_ptr<Backend> Backend::Open(const config::Config& config,
                                       const storage::StorageUri& uri,
                                       const std::vector<boost::asio::any_io_executor>& executors,
                                       const std::shared_ptr<Backend>& previous) {
  auto backend = std::make_shared<Backend>();
  backend->identity_ = {config.storage.uri, config.storage.options, config.storage.timeout_ms};
  storage::StorageContext context;
  context.uri = uri;
  context.options = config.storage.options;
  context.timeout = std::chrono::milliseconds(config.storage.timeout_ms);
  context.executors = executors;
  const bool same = previous && previous->identity_ == backend->identity_;
  backend->primary_ = same ? previous->primary_ : OpenStack(context);
  if (config.storage.on_error == config::OnError::kLocal) {
    if (same && previous->fallback_) {
      backend->fallback_ = previous->fallback_;
    } else {
      storage::StorageContext local = context;
      local.uri = storage::ParseStorageUri("memory://");
      local.options.clear();
      backend->fallback_ = OpenStack(local);
      spdlog::warn(
          "storage.on_error is local: while the storage fails, this daemon decides on its own "
          "memory store, so each daemon admits the full limit by itself");
    }
  }
  return backend;
}

storage::Task<bool> Backend::Contact(std::string_view when) {
  bool answers = false;
  try {
    answers = co_await storage().Check();
  } catch (const std::exception& e) {
    spdlog::error("storage {} check threw: {}", storage().Describe(), e.what());
  }
  if (answers) {
    spdlog::info("storage {} answers ({})", storage().Describe(), when);
  } else {
    spdlog::warn("storage {} does not answer ({}); requests get what storage.on_error says "
                 "until it does",
                 storage().Describe(), when);
  }
  co_return answers;
}

}  // namespace limitsd::server
