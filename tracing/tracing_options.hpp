#pragma once

// Whether and how a process exports traces, from its settings and the
// OpenTelemetry environment variables. Decided here, not by the SDK: the SDK
// (1.19) exports to localhost:4318 when nothing is set, ignores
// OTEL_SDK_DISABLED and OTEL_TRACES_SAMPLER, reads a unitless timeout as
// seconds and maps unknown protocols to protobuf without a word. Each of
// those would be a silent surprise; here each is a rule with a test.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace semiasync::tracing {

/// How spans travel to the collector (OTLP over HTTP).
enum class otlp_protocol { protobuf, json };

/// Which traces are recorded: OpenTelemetry's standard samplers.
enum class sampler_kind {
  always_on,
  always_off,
  trace_id_ratio,
  parent_based_always_on,
  parent_based_always_off,
  parent_based_trace_id_ratio,
};

/// How to export, once tracing is on.
struct tracing_options {
  /// Where spans go: the full OTLP/HTTP traces URL (`.../v1/traces`).
  std::string endpoint;
  /// Encoding of the export requests.
  otlp_protocol protocol = otlp_protocol::protobuf;
  /// Which traces to record.
  sampler_kind sampler = sampler_kind::parent_based_always_on;
  /// The ratio of the ratio samplers, in [0, 1].
  double ratio = 1.0;
  /// `service.name` of every span.
  std::string service_name;
  /// Longest wait for one export: it also bounds how long a stopping
  /// process waits for a collector that does not answer.
  std::chrono::milliseconds export_timeout{3000};
};

/// What the process's own settings say about tracing (the `traces*`
/// settings); an empty field defers to the OpenTelemetry variable.
struct tracing_settings {
  /// tracesEndpoint: the full traces URL.
  std::string endpoint;
  /// tracesProtocol: `http/protobuf` or `http/json`.
  std::string protocol;
  /// tracesSampler: a sampler name as OTEL_TRACES_SAMPLER takes it.
  std::string sampler;
  /// tracesSamplerArg: the ratio, as OTEL_TRACES_SAMPLER_ARG takes it.
  std::string sampler_arg;
};

/// Reads one environment variable; injected so tests never touch the real
/// environment.
using environment
  = std::function<std::optional<std::string>(const std::string& name)>;

/// Tracing is off: no endpoint anywhere, or OTEL_SDK_DISABLED=true.
struct tracing_off {
  /// Why, for the start-up log line.
  std::string reason;
};

/// A refused value, naming the setting or variable that holds it.
struct tracing_refusal {
  /// One line, starting with the setting's key or the variable's name.
  std::string message;
};

/// What a process should do about tracing.
using tracing_decision
  = std::variant<tracing_options, tracing_off, tracing_refusal>;

/// Decides from `own` (winning where set: it is this process's explicit
/// configuration) and the OpenTelemetry variables of `env`:
/// OTEL_SDK_DISABLED, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is),
/// OTEL_EXPORTER_OTLP_ENDPOINT (`/v1/traces` appended),
/// OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, OTEL_TRACES_SAMPLER[_ARG],
/// OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT (milliseconds, as the specification
/// says), OTEL_SERVICE_NAME (else `default_service`). The SDK itself reads
/// OTEL_EXPORTER_OTLP_HEADERS, the TLS variables and
/// OTEL_RESOURCE_ATTRIBUTES.
tracing_decision decide_tracing(const tracing_settings& own,
                                const environment& env,
                                std::string_view default_service);

/// Parses a sampler name (`parentbased_traceidratio`, ...); nothing when
/// unknown.
std::optional<sampler_kind> parse_sampler(std::string_view name);

/// Parses `http/protobuf` or `http/json`; nothing otherwise (`grpc` is not
/// built in).
std::optional<otlp_protocol> parse_protocol(std::string_view name);

/// Whether `url` is an http:// or https:// URL with a host.
bool is_http_url(std::string_view url);

/// The sampler names `parse_sampler` takes, for refusals.
inline constexpr std::string_view sampler_choices
  = "always_on, always_off, traceidratio, parentbased_always_on, "
    "parentbased_always_off, parentbased_traceidratio";

/// Parses a sampler ratio in [0, 1]; nothing otherwise.
std::optional<double> parse_ratio(std::string_view text);

/// One line for the log: where spans go, how, and what is sampled.
std::string describe(const tracing_options& options);

} // namespace semiasync::tracing
