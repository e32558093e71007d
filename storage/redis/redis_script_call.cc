#include "storage/redis/redis_script_call.h"

#include <charconv>
#include <string>

#include "storage/redis/redis_log.h"
#include "storage/storage_error.h"

namespace limitsd::storage::redis {
namespace {

// "<prefix><n>\r\n" without a format string: a batch writes thousands of these.
void AppendHeader(std::string& out, char prefix, std::size_t n) {
  char digits[24];
  digits[0] = prefix;
  char* end = std::to_chars(digits + 1, digits + sizeof(digits) - 2, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out.append(digits, static_cast<std::size_t>(end - digits));
}

void AppendBulk(std::string& out, std::string_view arg) {
  AppendHeader(out, '$', arg.size());
  out.append(arg).append("\r\n");
}

// EVALSHA sha (or EVAL source) numkeys keys... args..., in RESP, written directly: a batch
// has thousands of arguments.
std::string ScriptCommand(std::string_view verb, std::string_view body,
                          std::span<const std::string_view> keys,
                          std::span<const std::string_view> args) {
  std::string out;
  std::size_t size = 64 + body.size();
  for (std::string_view key : keys) size += key.size() + 16;
  for (std::string_view arg : args) size += arg.size() + 16;
  out.reserve(size);
  AppendHeader(out, '*', 3 + keys.size() + args.size());
  AppendBulk(out, verb);
  AppendBulk(out, body);
  AppendBulk(out, std::to_string(keys.size()));
  for (std::string_view key : keys) AppendBulk(out, key);
  for (std::string_view arg : args) AppendBulk(out, arg);
  return out;
}

}  // namespace

std::error_code ErrorReplyCode(const redisReply& reply) noexcept {
  for (std::string_view code : {"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY"}) {
    if (ErrorIs(reply, code)) return StorageErrc::kUnavailable;
  }
  return StorageErrc::kProtocol;
}

Task<Result<RedisReply>> CallScript(RedisRouter& router, const RedisScript& script,
                                    std::span<const std::string_view> keys,
                                    std::span<const std::string_view> args, Deadline deadline) {
  std::string command = ScriptCommand("EVALSHA", script.sha1, keys, args);
  auto reply = co_await router.Call(keys.front(), command, deadline);
  if (reply && ErrorIs(**reply, "NOSCRIPT")) {
    // First use on this server (or after SCRIPT FLUSH / a restart): EVAL caches it.
    command = ScriptCommand("EVAL", script.source, keys, args);
    reply = co_await router.Call(keys.front(), command, deadline);
  }
  if (!reply) co_return reply;
  if (IsError(**reply)) {
    const std::error_code code = ErrorReplyCode(**reply);
    if (code != StorageErrc::kUnavailable) {
      RedisLog().warn("script {} failed: {}", script.name, ReplyText(**reply));
    }
    co_return code;
  }
  co_return reply;
}

}  // namespace limitsd::storage::redis
