#pragma once
// A connection's input buffer: bytes read but not yet consumed by the parser. Consumed bytes
// are dropped lazily (the rest is moved to the front only when room is needed), so a
// pipelined burst is parsed in place without copies.

#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace limitsd::server {

class ReadBuffer {
 public:
  explicit ReadBuffer(std::size_t capacity) : data_(capacity) {}

  std::string_view Data() const noexcept { return {data_.data() + begin_, end_ - begin_}; }
  /// Room to read into; compacts first when the tail is full. Empty when every byte is
  /// unconsumed data (the parser bounds requests well below the capacity).
  std::span<char> Writable() noexcept {
    if (end_ == data_.size() && begin_ > 0) Compact();
    return {data_.data() + end_, data_.size() - end_};
  }
  void Commit(std::size_t n) noexcept { end_ += n; }
  void Consume(std::size_t n) noexcept {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }

 private:
  void Compact() noexcept {
    std::memmove(data_.data(), data_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }

  std::vector<char> data_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace limitsd::server
