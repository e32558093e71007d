#include "storage/redis/redis_protocol.h"

#include <charconv>
#include <vector>

namespace limitsd::storage::redis {

std::string FormatCommand(std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* target = nullptr;
  const int size =
      redisFormatCommandArgv(&target, static_cast<int>(argv.size()), argv.data(), lengths.data());
  if (size < 0 || target == nullptr) return {};
  std::string out(target, static_cast<std::size_t>(size));
  redisFreeCommand(target);
  return out;
}

std::string FormatCommand(std::initializer_list<std::string_view> args) {
  return FormatCommand(std::span<const std::string_view>(args.begin(), args.size()));
}

bool IsError(const redisReply& reply) noexcept { return reply.type == REDIS_REPLY_ERROR; }

std::string_view ReplyText(const redisReply& reply) noexcept {
  switch (reply.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR: return {reply.str, reply.len};
    default: return {};
  }
}

bool ErrorIs(const redisReply& reply, std::string_view code) noexcept {
  if (!IsError(reply)) return false;
  const std::string_view text = ReplyText(reply);
  return text.substr(0, code.size()) == code &&
         (text.size() == code.size() || text[code.size()] == ' ');
}

std::optional<std::int64_t> ReplyInteger(const redisReply& reply) noexcept {
  if (reply.type == REDIS_REPLY_INTEGER) return reply.integer;
  if (reply.type != REDIS_REPLY_STRING) return std::nullopt;
  std::int64_t value = 0;
  const char* end = reply.str + reply.len;
  const auto [ptr, ec] = std::from_chars(reply.str, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace limitsd::storage::redis
