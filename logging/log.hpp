#pragma once

#include <string_view>

namespace semiasync {

/// How much a log line matters.
enum class log_level { debug, info, warn, error };

/// "debug", "info", "warn" or "error": a level's name in log lines and in
/// the logLevel setting.
constexpr std::string_view log_level_name(log_level level) noexcept {
  switch (level) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}

/// Parses "debug", "info", "warn" or "error". Inline, so config/ reads the
/// logLevel setting without linking the domain library (and CAF).
constexpr bool parse_log_level(std::string_view text, log_level& out) noexcept {
  for (auto level :
       {log_level::debug, log_level::info, log_level::warn, log_level::error})
    if (text == log_level_name(level)) {
      out = level;
      return true;
    }
  return false;
}

/// Lines below `level` are dropped from now on. Called once by `main`, before
/// any thread starts: stderr is one per process, and so is its threshold
/// (the only process-wide setting; everything else is passed explicitly).
void set_log_threshold(log_level level);

/// What ties a log line to a request and its trace; empty fields are left
/// out of the line.
struct log_context {
  /// The request's ID (`requestId`).
  std::string_view request_id;
  /// The W3C trace ID, 32 hex digits (`traceId`).
  std::string_view trace_id;
  /// The ID of the span the line was written in, 16 hex digits (`spanId`).
  std::string_view span_id;
};

/// Writes one JSON object per line to stderr:
/// `{"ts":"...","level":"...","component":"...","msg":"...","requestId":"..."}`.
/// One `write` per line, so lines from many threads never interleave.
/// Only rare events are logged (start-up, failures, dead letters), never one
/// line per successful request.
void log(log_level level, std::string_view component, std::string_view message,
         std::string_view request_id = {});

/// The same, with the fields of `context`: a line written while a traced
/// request is worked on carries `traceId` and `spanId`, so a log search
/// finds the trace and the trace viewer finds the lines.
void log(log_level level, std::string_view component, std::string_view message,
         const log_context& context);

} // namespace semiasync
