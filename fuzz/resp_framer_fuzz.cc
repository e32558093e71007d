// libFuzzer target: RespFramer alone, on "*" followed by arbitrary bytes, fed one growing
// prefix at a time the way the server's reads arrive. Checks that a frame's size and its
// elements stay inside the input and within the bounds, and that errors are final.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/resp_framer.h"

namespace {

constexpr std::size_t kMaxPayloadBytes = 64;

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

void CheckFrame(limitsd::protocol::RespFramer& framer, std::string_view frame) {
  Check(framer.frame_bytes() <= frame.size());
  std::size_t payload = 0;
  const auto elements = framer.Elements(frame);
  Check(elements.size() <= limitsd::protocol::RespFramer::kMaxElements);
  for (std::string_view element : elements) {
    Check(element.data() >= frame.data() &&
          element.data() + element.size() <= frame.data() + framer.frame_bytes());
    payload += element.size();
  }
  Check(payload <= kMaxPayloadBytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string frame = "*";
  frame.append(reinterpret_cast<const char*>(data), size);
  limitsd::protocol::RespFramer framer(kMaxPayloadBytes);
  std::string message;
  const std::size_t step = size == 0 ? 1 : data[0] % 7 + 1;
  for (std::size_t end = 1;; end = std::min(end + step, frame.size())) {
    const std::string_view prefix(frame.data(), end);
    const auto status = framer.Feed(prefix, message);
    using Status = limitsd::protocol::RespFramer::Status;
    if (status == Status::kFrame) {
      CheckFrame(framer, prefix);
      return 0;
    }
    if (status == Status::kEmpty) {
      Check(framer.frame_bytes() <= end);
      return 0;
    }
    if (status == Status::kError) {
      Check(!message.empty());
      return 0;
    }
    if (end == frame.size()) {
      return 0;
    }
  }
}
