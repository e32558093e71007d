#include "server/config_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace limitsd::server {
namespace {

namespace asio = boost::asio;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

int OpenInotify(const std::string& file) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("inotify_init1: ") + std::strerror(errno));
  std::filesystem::path dir = std::filesystem::absolute(file).parent_path();
  // Every way a file gets replaced: written in place, created, moved in (a rename over it
  // or Kubernetes' `..data` symlink swap), deleted.
  const std::uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                             IN_MOVED_FROM | IN_ATTRIB | IN_MODIFY;
  if (::inotify_add_watch(fd, dir.c_str(), mask) < 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error("cannot watch " + dir.string() + ": " + std::strerror(error));
  }
  return fd;
}

}  // namespace

ConfigWatcher::ConfigWatcher(asio::io_context& io, std::string file,
                             std::function<void()> on_change)
    : file_(std::move(file)),
      on_change_(std::move(on_change)),
      inotify_(io, OpenInotify(file_)),
      debounce_(io),
      last_(Contents()) {}

ConfigWatcher::~ConfigWatcher() { Stop(); }

void ConfigWatcher::Start() { asio::co_spawn(inotify_.get_executor(), Watch(), asio::detached); }

void ConfigWatcher::Stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  inotify_.close(ignored);
  debounce_.cancel();
}

storage::Task<void> ConfigWatcher::Watch() {
  alignas(inotify_event) char events[4096];
  while (!stopped_) {
    auto [ec, n] = co_await inotify_.async_read_some(asio::buffer(events), kNoThrow);
    if (ec || stopped_) break;
    // Any event in the directory may be ours (the ConfigMap swap renames `..data`, not the
    // file): let them settle, then compare the file's bytes.
    if (!settling_) {
      settling_ = true;
      asio::co_spawn(inotify_.get_executor(), Settle(), asio::detached);
    }
  }
}

storage::Task<void> ConfigWatcher::Settle() {
  debounce_.expires_after(kDebounce);
  co_await debounce_.async_wait(kNoThrow);
  settling_ = false;
  if (stopped_) co_return;
  std::string now = Contents();
  // A file being replaced may be missing for a moment: the next event brings it back.
  if (now.empty() || now == last_) co_return;
  last_ = std::move(now);
  on_change_();
}

std::string ConfigWatcher::Contents() const {
  std::ifstream in(file_, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  return text.str();
}

}  // namespace limitsd::server
