#pragma once

// The OpenTelemetry SDK behind `tracing::tracer`. Only otel_tracer.cpp
// includes the SDK's headers; everything else sees these factories.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tracing/tracer.hpp"
#include "tracing/tracing_options.hpp"

namespace semiasync::tracing {

/// A tracer that exports over OTLP/HTTP through a batch processor (its own
/// thread; spans never wait for the network). Destroying it flushes what is
/// queued, waiting at most about `options.export_timeout`. Create it after
/// the process blocked its termination signals: the SDK's threads inherit
/// the mask. The SDK's own diagnostics go to our log, at most one line per
/// few seconds (a collector that is down would otherwise print two lines
/// per export, and a full queue one line per dropped span).
std::shared_ptr<tracer> make_exporting_tracer(const tracing_options& options);

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
