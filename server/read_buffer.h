#pragma once
// A connection's input buffer: bytes read but not yet consumed by the parser. Consumed bytes
// are dropped lazily (the rest is moved to the front only when room is needed), so a
// pipelined burst is parsed in place without copies.
//
// Memory: the buffer starts small (kInitialBytes, left uninitialised: an idle connection
// touches only what it reads). It doubles while one unfinished request fills it, up to a
// limit (the most an unfinished request can occupy), and while reads keep filling it (a
// client pipelining a burst), up to kBurstBytes, so a burst is taken in few reads. Shrink
// drops it back to the small size once everything is consumed and the last read did not
// fill it: a connection holds a large buffer only while a large request or a burst arrives.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace limitsd::server {

class ReadBuffer {
 public:
  static constexpr std::size_t kInitialBytes = 4096;
  static constexpr std::size_t kBurstBytes = 64 * 1024;

  /// `limit`: the largest one unfinished request may make the buffer (at least
  /// kInitialBytes).
  explicit ReadBuffer(std::size_t limit)
      : limit_(std::max(limit, kInitialBytes)),
        data_(new char[kInitialBytes]),  // not value-initialised: no zero-fill
        capacity_(kInitialBytes) {}

  std::string_view Data() const noexcept { return {data_.get() + begin_, end_ - begin_}; }
  /// Room to read into. Moves what is unconsumed (at most one unfinished request) to the
  /// front, and grows the buffer when that request fills it or the last read filled it.
  /// Empty only when the buffer is at its limit and full of one unfinished request (the
  /// parser reports a request too long before that happens).
  std::span<char> Writable() {
    if (begin_ > 0) Compact();
    std::size_t wanted = capacity_;
    if (end_ == capacity_) wanted = std::min(2 * capacity_, limit_);
    if (filled_) wanted = std::max(wanted, std::min(2 * capacity_, kBurstBytes));
    filled_ = false;
    if (wanted > capacity_) Resize(wanted);
    return {data_.get() + end_, capacity_ - end_};
  }
  /// `n` bytes were read into Writable().
  void Commit(std::size_t n) noexcept {
    end_ += n;
    filled_ = end_ == capacity_;
  }
  void Consume(std::size_t n) noexcept {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  /// Back to the initial size when the buffer has grown, holds nothing unconsumed and the
  /// last read left room (the client has caught up).
  void Shrink() {
    if (capacity_ > kInitialBytes && begin_ == end_ && !filled_) Resize(kInitialBytes);
  }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  void Compact() noexcept {
    std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  void Resize(std::size_t capacity) {
    std::unique_ptr<char[]> data(new char[capacity]);
    std::memcpy(data.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::size_t limit_;
  std::unique_ptr<char[]> data_;
  std::size_t capacity_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool filled_ = false;  ///< the last read filled all the room there was
};

}  // namespace limitsd::server
