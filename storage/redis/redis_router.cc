#include "storage/redis/redis_router.h"

namespace limitsd::storage::redis {

Task<Result<std::vector<std::shared_ptr<RedisPool>>>> StandaloneRouter::Masters(Deadline) {
  co_return std::vector<std::shared_ptr<RedisPool>>{pool_};
}

}  // namespace limitsd::storage::redis
