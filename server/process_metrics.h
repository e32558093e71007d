#pragma once
// The standard process_* series of Prometheus' client libraries, read from /proc/self:
// CPU time, resident and virtual memory, open and maximum file descriptors, start time.

#include <string>

namespace limitsd::server {

/// Appends the process_* families to `out` (what cannot be read is left out).
void RenderProcessMetrics(std::string& out);

}  // namespace limitsd::server
