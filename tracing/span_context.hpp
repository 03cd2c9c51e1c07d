#pragma once

// W3C Trace Context (https://www.w3.org/TR/trace-context/): the IDs that tie
// spans of one request together across HTTP and Kafka. Plain data and a
// parser of our own, so every layer can carry a trace without including the
// OpenTelemetry SDK (whose headers cost a large part of a translation unit's
// compile time), and so parsing follows the specification to the letter.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semiasync::tracing {

/// The identity of one span as W3C Trace Context carries it.
struct span_context {
  /// 16 bytes; all zero is invalid.
  std::array<uint8_t, 16> trace_id{};
  /// 8 bytes; all zero is invalid.
  std::array<uint8_t, 8> span_id{};
  /// Trace flags as received; bit 0 is "sampled". Unknown bits are kept on
  /// a parent and never sent on (see `format_traceparent`).
  uint8_t flags = 0;
  /// The `tracestate` header's vendor entries, as received (validated by
  /// the tracing backend, which drops a malformed list as a whole).
  std::string trace_state;

  /// Whether both IDs are non-zero.
  bool valid() const noexcept;

  /// Whether the sampled flag is set.
  bool sampled() const noexcept {
    return (flags & 0x01) != 0;
  }
};

/// Name of the W3C header carrying trace and parent span ID.
inline constexpr std::string_view traceparent_header = "traceparent";

/// Name of the W3C header carrying vendor trace state.
inline constexpr std::string_view tracestate_header = "tracestate";

/// Parses a `traceparent` value: `00-<32 hex>-<16 hex>-<2 hex>`, lower-case
/// hex only; a future version (not `ff`) may append `-...` fields, which are
/// ignored. Surrounding blanks are tolerated. Nothing for anything else,
/// including all-zero IDs: the caller starts a new trace then.
std::optional<span_context> parse_traceparent(std::string_view text);

/// `00-<trace>-<span>-<flags>` with only the sampled bit of the flags: a
/// version-00 receiver must not see bits it cannot interpret.
std::string format_traceparent(const span_context& context);

/// The trace ID as 32 lower-case hex digits (log lines, tests).
std::string trace_id_hex(const span_context& context);

/// The span ID as 16 lower-case hex digits.
std::string span_id_hex(const span_context& context);

} // namespace semiasync::tracing
