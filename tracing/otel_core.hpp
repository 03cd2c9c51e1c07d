#pragma once

// The glue between `tracing::tracer` and the OpenTelemetry SDK, shared by
// the exporter plugin (otel_exporter.cpp) and the tests' recorder
// (recording_tracer.cpp). Internal: only those two include it, since the
// SDK's headers are heavy.

#include <memory>
#include <opentelemetry/sdk/resource/resource.h>
#include <opentelemetry/sdk/trace/sampler.h>
#include <opentelemetry/trace/span_id.h>
#include <opentelemetry/trace/trace_id.h>
#include <opentelemetry/trace/tracer.h>
#include <string>

#include "tracing/tracer.hpp"
#include "tracing/tracing_options.hpp"

namespace semiasync::tracing::otel {

/// Starts `what` on an SDK tracer, as our span.
span_ptr start_on(opentelemetry::trace::Tracer& tracer, const span_start& what);

/// The SDK sampler for `kind`.
std::unique_ptr<opentelemetry::sdk::trace::Sampler>
make_sampler(sampler_kind kind, double ratio);

/// The resource of every span: `service.name` plus what the SDK detects
/// (OTEL_RESOURCE_ATTRIBUTES).
opentelemetry::sdk::resource::Resource
resource_for(const std::string& service_name);

/// Our span kind of an SDK one.
span_kind from_api(opentelemetry::trace::SpanKind kind);

/// Our context of an SDK one.
span_context from_api(const opentelemetry::trace::SpanContext& context);

/// A trace ID as hex.
std::string hex(const opentelemetry::trace::TraceId& id);

/// A span ID as hex.
std::string hex(const opentelemetry::trace::SpanId& id);

/// The instrumentation scope of every span.
inline constexpr const char* scope_name = "semiasync";

} // namespace semiasync::tracing::otel
