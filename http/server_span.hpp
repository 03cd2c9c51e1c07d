#pragma once

// The server span of one HTTP request, named and attributed as
// OpenTelemetry's HTTP conventions (v1.29) say: opened when the request
// arrives, continuing the client's trace; closed with the answer.

#include "http/answer.hpp"

#include <optional>
#include <string_view>

#include "tracing/tracer.hpp"

namespace semiasync::http {

/// What the server span needs to know of the request.
struct server_request {
  /// The method, e.g. `POST`.
  std::string_view method;
  /// The matched route template (`http.route`), e.g. `/users`.
  std::string_view route;
  /// The path as sent (`url.path`).
  std::string_view path;
  /// The client's `traceparent`, if it sent one: a valid one (any flags)
  /// is continued, anything else starts a new trace.
  std::optional<std::string_view> traceparent;
  /// The client's `tracestate`, kept with a valid `traceparent`.
  std::optional<std::string_view> tracestate;
};

/// Opens `<method> <route>`, a server span.
tracing::span_ptr start_server_span(tracing::tracer& tracer,
                                    const server_request& request);

/// Records `a` on the span and ends it: the status code, the request ID,
/// and for a 5xx an Error status with the problem's detail (a 504 reads
/// "no outcome arrived before the deadline").
void end_server_span(tracing::span& span, const answer& a,
                     std::string_view request_id);

} // namespace semiasync::http
