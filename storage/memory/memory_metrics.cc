// MemoryStorage::RenderMetrics: the memory store's own series, rendered at each scrape from
// its per-shard counters.
#include <string>

#include "storage/memory/memory_storage.h"

namespace limitsd::storage::memory {
namespace {

void Series(std::string& out, const char* name, const char* type, const char* help,
            std::size_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

void MemoryStorage::RenderMetrics(std::string& out) const {
  const MemoryStats stats = Counts();
  Series(out, "limitsd_memory_keys", "gauge",
         "Entries (one per limit, key and rate) the memory store holds now, expired ones not "
         "yet reclaimed included.",
         stats.Entries());
  Series(out, "limitsd_memory_max_keys", "gauge",
         "The bound on those entries (storage.options.max_keys).", Bounds().max_keys);
  Series(out, "limitsd_memory_keys_refused_total", "counter",
         "New keys refused because the memory store was full (when_full: deny; the request "
         "was answered ERR storage_full).",
         stats.refused);
  Series(out, "limitsd_memory_keys_evicted_total", "counter",
         "Live entries evicted, soonest-expiring first, to make room for new keys "
         "(when_full: evict).",
         stats.evicted);
  Series(out, "limitsd_memory_keys_reclaimed_total", "counter",
         "Expired entries the memory store reclaimed.", stats.swept);
  Series(out, "limitsd_memory_trims_total", "counter",
         "Times the memory store returned the allocator's free memory to the system "
         "(malloc_trim) after a large reclaim.",
         stats.trims);
}

}  // namespace limitsd::storage::memory
