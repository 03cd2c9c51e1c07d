#pragma once

// Trace context in Kafka record headers, as the W3C Trace Context and the
// OpenTelemetry messaging conventions place it: `traceparent` and
// `tracestate`, next to the contract's own headers, which consumers that do
// not trace ignore.

#include "kafka/wire_message.hpp"

#include <optional>

#include "tracing/span_context.hpp"

namespace semiasync::tracing {

/// The context a record carries; nothing when it has no valid
/// `traceparent`. A repeated header counts by its last value, as a later
/// hop that appended its own would mean.
std::optional<span_context> context_of(const wire_message& message);

/// Puts `context` into `message`'s headers, replacing any trace headers it
/// had (a record is one hop: it carries its producer span's context only).
void put_context(wire_message& message, const span_context& context);

} // namespace semiasync::tracing
