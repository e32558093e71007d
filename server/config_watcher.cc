#include "server/config_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
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
namespace fs = std::filesystem;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Every way a file gets replaced: written in place, created, moved in (a rename over it or
// Kubernetes' `..data` symlink swap), deleted.
constexpr std::uint32_t kEvents =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB | IN_MODIFY;

int OpenInotify() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("inotify_init1: ") + std::strerror(errno));
  return fd;
}

// The file's bytes, through any symlinks; nullopt when it cannot be read.
std::optional<std::string> Read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void Append(std::string& out, const std::string& name, const std::string& bytes) {
  out += name;
  out += '\0';
  out += std::to_string(bytes.size());
  out += '\0';
  out += bytes;
}

}  // namespace

ConfigWatcher::ConfigWatcher(asio::io_context& io, std::string file,
                             std::function<void()> on_change)
    : file_(std::move(file)),
      on_change_(std::move(on_change)),
      inotify_(io, OpenInotify()),
      debounce_(io) {
  const fs::path dir = fs::absolute(file_).parent_path();
  if (::inotify_add_watch(inotify_.native_handle(), dir.c_str(), kEvents) < 0) {
    throw std::runtime_error("cannot watch " + dir.string() + ": " + std::strerror(errno));
  }
  last_ = Snapshot().value_or("");
}

ConfigWatcher::~ConfigWatcher() { Stop(); }

void ConfigWatcher::Follow(std::vector<std::string> paths) {
  if (paths == followed_) return;
  for (const std::string& path : paths) {
    std::error_code ec;
    AddWatch(fs::is_directory(path, ec) ? path : fs::path(path).parent_path().string());
  }
  followed_ = std::move(paths);
  // What a reload just read is the new reference point.
  if (auto now = Snapshot()) last_ = std::move(*now);
}

void ConfigWatcher::AddWatch(const std::string& dir) {
  // A directory watched already keeps its one watch.
  if (::inotify_add_watch(inotify_.native_handle(), dir.c_str(), kEvents) < 0) {
    spdlog::warn("not watching {} for changes ({}); reload with SIGHUP or POST /reload", dir,
                 std::strerror(errno));
  }
}

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
    // Any event in a watched directory may be ours (the ConfigMap swap renames `..data`,
    // not the file): let them settle, then compare the files' bytes.
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
  // A file being replaced may be missing for a moment: the next event brings it back.
  std::optional<std::string> now = Snapshot();
  if (!now || *now == last_) co_return;
  last_ = std::move(*now);
  on_change_();
}

std::optional<std::string> ConfigWatcher::Snapshot() const {
  std::string out;
  std::optional<std::string> config = Read(file_);
  if (!config || config->empty()) return std::nullopt;
  Append(out, file_, *config);
  for (const std::string& path : followed_) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      std::optional<std::string> bytes = Read(path);
      if (!bytes) return std::nullopt;
      Append(out, path, *bytes);
      continue;
    }
    // What the rules loader reads of a directory: its *.yaml and *.yml files.
    std::vector<fs::path> files;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string extension = it->path().extension().string();
      if (extension == ".yaml" || extension == ".yml") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) Append(out, file.string(), Read(file).value_or(""));
  }
  return out;
}

}  // namespace limitsd::server
