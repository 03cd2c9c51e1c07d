#pragma once

// The start of tracing every semiasync process shares: decide from the
// settings and the OpenTelemetry variables, then export or stay silent.

#include "config/settings.hpp"

#include <memory>
#include <string_view>
#include <variant>

#include "tracing/tracer.hpp"

namespace semiasync {

/// The process's tracer: null when tracing is off (every call site then
/// skips its spans, and the SDK is never loaded); or the exit code once a
/// refused value was printed to stderr (2, as for any refused setting), or
/// the exporter could not be loaded (1, logged). Call it after the termination
/// signals are blocked: the exporter's threads inherit the mask. Destroy
/// the tracer after the actor system: that flushes the last spans.
std::variant<std::shared_ptr<tracing::tracer>, int>
start_tracing(const config::settings& cfg, std::string_view service);

} // namespace semiasync
