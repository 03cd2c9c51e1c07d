#include "tracing/trace_log.hpp"

namespace semiasync::tracing {

void log_in(const std::optional<span_context>& span, log_level level,
            std::string_view component, std::string_view message,
            std::string_view request_id) {
  if (!span || !span->valid()) {
    log(level, component, message, request_id);
    return;
  }
  auto trace = trace_id_hex(*span);
  auto id = span_id_hex(*span);
  log(level, component, message, log_context{request_id, trace, id});
}

} // namespace semiasync::tracing
