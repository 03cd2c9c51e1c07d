#pragma once

#include "metrics/registry.hpp"

namespace semiasync {

/// Sets the gauge `semiasync_up`, which server and worker both export, to 1:
/// a scrape that finds it knows the process itself runs, where Prometheus's
/// own `up` only says that the scrape worked.
void mark_up(metrics::registry& reg);

} // namespace semiasync
