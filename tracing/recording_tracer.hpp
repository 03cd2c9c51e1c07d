#pragma once

// A tracer for tests: the real OpenTelemetry SDK, recording into memory,
// behind the same interface production uses. Its library
// (`semiasync_tracing_otel`) is linked by tests only.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tracing/tracer.hpp"
#include "tracing/tracing_options.hpp"

namespace semiasync::tracing {

/// A finished span as a test sees it.
struct recorded_span {
  /// Its name.
  std::string name;
  /// Its kind.
  span_kind kind = span_kind::internal;
  /// Its trace ID, hex.
  std::string trace_id;
  /// Its span ID, hex.
  std::string span_id;
  /// Its parent's span ID, hex; empty for a root.
  std::string parent_span_id;
  /// Its links' contexts.
  std::vector<span_context> links;
  /// Its attributes (integers as int64, strings, booleans; anything else
  /// as text).
  std::map<std::string, attribute_value> attributes;
  /// Whether its status is Error.
  bool failed = false;
  /// The status description.
  std::string status_description;
  /// `service.name` of its resource.
  std::string service_name;
  /// From start to end, as the SDK measured it (what `span_start::started`
  /// moves back).
  std::chrono::nanoseconds duration{0};

  /// The attribute `key` as text ("" when absent): for test assertions.
  std::string text(const std::string& key) const;
};

/// A tracer that keeps finished spans in memory, synchronously (no
/// thread): for tests, through the same SDK as production.
class recording_tracer : public tracer {
public:
  /// Records what `sampler` (with `ratio`) samples, as `service_name`.
  explicit recording_tracer(sampler_kind sampler
                            = sampler_kind::parent_based_always_on,
                            double ratio = 1.0,
                            std::string service_name = "semiasync-test");

  ~recording_tracer() override;

  span_ptr start(span_start what) override;

  /// The spans finished since the last call, in the order they ended.
  std::vector<recorded_span> take();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace semiasync::tracing
