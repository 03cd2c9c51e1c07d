#include "app/process_metrics.hpp"

namespace semiasync {

void mark_up(metrics::registry& reg) {
  reg.get_gauge("semiasync_up", "1 while the process runs").set(1);
}

} // namespace semiasync
