#pragma once
// The memory store's own series (entries, bound, refusals, evictions, reclaimed entries),
// rendered at each scrape from the store's per-shard counters. Nothing when the storage is
// not memory://.

#include <string>

#include "storage/storage.h"

namespace limitsd::server {

/// Appends the limitsd_memory_* families for `storage` when it is a memory store.
void RenderMemoryStore(const storage::Storage& storage, std::string& out);

}  // namespace limitsd::server
