#pragma once

#include "logging/log.hpp"

#include <optional>
#include <string_view>

#include "tracing/span_context.hpp"

namespace semiasync::tracing {

/// Logs like `semiasync::log`, adding `traceId` and `spanId` of `span` when
/// the line is written inside one (tracing on, the work traced).
void log_in(const std::optional<span_context>& span, log_level level,
            std::string_view component, std::string_view message,
            std::string_view request_id = {});

} // namespace semiasync::tracing
