#pragma once

// The /metrics text each process serves, built by the same registration
// functions the processes call at start-up (app/server_command.cpp,
// app/worker_process.cpp), so a metric renamed or removed there is gone here
// too. Values are zero: only the names and labels matter.

#include <string>

namespace semiasync::exported_metrics {

/// The server's families: semiasync_up, request_metrics::bind and
/// semiasync_http_requests_total (one answer counted, so the family shows).
std::string server();

/// The worker's families: semiasync_up, worker_metrics::register_in and the
/// consumer lag gauge.
std::string worker();

} // namespace semiasync::exported_metrics
