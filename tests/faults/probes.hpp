#pragma once

// Readings of a running process from outside: its Prometheus metrics and
// its resident memory.

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace semiasync::testing {

/// The value of the first sample of `name` (labels ignored) in the
/// Prometheus text `body`, or nothing when no such sample is there.
std::optional<double> sample_value(const std::string& body,
                                   const std::string& name);

/// The body of GET /metrics on 127.0.0.1:`port`; throws http_error, or
/// std::runtime_error when the status is not 200.
std::string scrape_metrics(uint16_t port);

/// VmRSS of process `pid` in KiB (/proc/<pid>/status), or nothing when the
/// process is gone.
std::optional<long> resident_kib(pid_t pid);

} // namespace semiasync::testing
