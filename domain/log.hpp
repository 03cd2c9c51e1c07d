#pragma once

#include <string_view>

namespace semiasync {

/// How much a log line matters.
enum class log_level { debug, info, warn, error };

/// Writes one JSON object per line to stderr:
/// `{"ts":"...","level":"...","component":"...","msg":"...","requestId":"..."}`.
/// One `write` per line, so lines from many threads never interleave.
/// Only rare events are logged (start-up, failures, dead letters), never one
/// line per successful request.
void log(log_level level, std::string_view component, std::string_view message,
         std::string_view request_id = {});

} // namespace semiasync
