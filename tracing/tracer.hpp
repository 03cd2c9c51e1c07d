#pragma once

// The spans semiasync records, behind an interface of plain types: the
// OpenTelemetry SDK lives in one translation unit (tracing/otel_tracer.cpp),
// tests record into memory through the same interface, and a process with
// tracing off holds no tracer at all (a null pointer: every call site costs
// one test of it, and nothing else runs).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tracing/span_context.hpp"

namespace semiasync::tracing {

/// OpenTelemetry's span kinds.
enum class span_kind { internal, server, client, producer, consumer };

/// An attribute's value: the types the semantic conventions use.
using attribute_value = std::variant<std::string, int64_t, bool>;

/// One attribute, named as OpenTelemetry's semantic conventions name it.
struct attribute {
  /// E.g. `messaging.destination.name`.
  std::string key;
  /// Its value.
  attribute_value value;
};

/// Attributes in the order given.
using attribute_list = std::vector<attribute>;

/// One span in progress. Ends once: by `end`, or when the last handle goes
/// (an actor that died mid-request still closes its spans). Safe to use
/// from one thread after another, as a request's spans are (the HTTP thread
/// starts the server span, the request actor's thread ends it).
class span {
public:
  virtual ~span() = default;

  /// Adds or replaces an attribute.
  virtual void set(std::string_view key, attribute_value value) = 0;

  /// Marks the span failed: status Error with `description`, and
  /// `error.type` = `type` (a status code, an error code's name).
  virtual void fail(std::string_view type, std::string_view description) = 0;

  /// The span's identity: the parent of its children, and what goes into
  /// headers for the next hop. Unsampled spans have one too, so a trace
  /// that is not recorded here stays one trace downstream.
  virtual span_context context() const = 0;

  /// Ends the span now; later calls do nothing.
  virtual void end() = 0;
};

/// A span shared by the handlers that may end it.
using span_ptr = std::shared_ptr<span>;

/// What a new span is.
struct span_start {
  /// The span's name, e.g. `POST /users` or `send create_user_request_sent`.
  std::string name;
  /// Its kind.
  span_kind kind = span_kind::internal;
  /// Its parent; nothing or an invalid context starts a new trace.
  std::optional<span_context> parent;
  /// Its attributes at start (the sampler sees them).
  attribute_list attributes;
  /// Contexts it links to (a batch span links every record's context).
  std::vector<span_context> links;
  /// When it started, if earlier than now.
  std::optional<std::chrono::system_clock::time_point> started;
};

/// Starts spans. Implementations are thread-safe.
class tracer {
public:
  virtual ~tracer() = default;

  /// Starts a span as described.
  virtual span_ptr start(span_start what) = 0;
};

} // namespace semiasync::tracing
