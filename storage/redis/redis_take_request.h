#pragma once
// One TakeAll call in the take script's layout (see TakeScript in redis_scripts.h), owning
// its bytes, so that it can wait in a batch after its caller's views are gone.

#include <hiredis/hiredis.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/container/small_vector.hpp>

#include "storage/capabilities.h"
#include "storage/result.h"

namespace limitsd::storage::redis {

struct TakeRequest {
  boost::container::small_vector<std::string, 2> keys;  ///< "<key_prefix>:<key>", per rate
  /// mode, cost, number of rates, then per rate: strategy, limit, window.
  boost::container::small_vector<std::string, 8> args;
  boost::container::small_vector<StrategyKind, 2> kinds;  ///< to read the reply
};

/// Encodes one call; `rates` must not be empty.
TakeRequest EncodeTake(std::string_view key_prefix, std::span<const RateQuery> rates,
                       std::int64_t cost, TakeMode mode);
/// The same, into `request`, whatever it held: its strings keep their buffers (a request
/// used again allocates nothing for keys that fit).
void EncodeTakeInto(TakeRequest& request, std::string_view key_prefix,
                    std::span<const RateQuery> rates, std::int64_t cost, TakeMode mode);

/// How many elements of the script's reply are one request's: taken, then three integers
/// per rate. The replies of a batch's requests follow one another in one flat array.
std::size_t TakeReplySize(std::span<const StrategyKind> kinds) noexcept;

/// Reads one request's TakeReplySize(kinds) reply elements into `outcome`; kProtocol when
/// they do not have the shape `kinds` asks for.
std::error_code DecodeTake(const redisReply* const* elements, std::span<const StrategyKind> kinds,
                           TakeOutcome& outcome);

}  // namespace limitsd::storage::redis
