#pragma once
// RESP through hiredis: commands are formatted by redisFormatCommandArgv and replies parsed
// by hiredis' reader; this header gives them C++ ownership and a few readers.

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace limitsd::storage::redis {

struct ReplyDeleter {
  void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
/// One parsed reply (possibly an error reply: errors from Redis are values).
using RedisReply = std::unique_ptr<redisReply, ReplyDeleter>;

using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

/// The RESP bytes of one command; empty if hiredis could not format it.
std::string FormatCommand(std::span<const std::string_view> args);
std::string FormatCommand(std::initializer_list<std::string_view> args);

bool IsError(const redisReply& reply) noexcept;
/// The text of a string, status or error reply; empty for other types.
std::string_view ReplyText(const redisReply& reply) noexcept;
/// Whether an error reply starts with `code` (e.g. "NOSCRIPT", "MOVED").
bool ErrorIs(const redisReply& reply, std::string_view code) noexcept;
/// An integer reply, or a string reply holding an integer.
std::optional<std::int64_t> ReplyInteger(const redisReply& reply) noexcept;

}  // namespace limitsd::storage::redis
