#pragma once

// The entry point of the exporter plugin (libsemiasync_otel.so), shared by
// the plugin (otel_exporter.cpp) and its loader (exporter_loader.cpp). Both
// are built together with one compiler, so C++ types may cross.

#include <functional>
#include <string_view>

#include "tracing/tracer.hpp"
#include "tracing/tracing_options.hpp"

namespace semiasync::tracing {

/// Where the SDK's own diagnostics go, already rate-limited: (whether it
/// is an error, the text). The loader passes our log.
using diagnostics_sink = std::function<void(bool error, std::string_view text)>;

/// The plugin's file name, as the loader looks for it.
inline constexpr const char* exporter_plugin_file = "libsemiasync_otel.so";

/// The name of its entry point.
inline constexpr const char* exporter_entry_name
  = "semiasync_otel_exporting_tracer";

/// The entry point's type: a tracer exporting over OTLP/HTTP through a
/// batch processor (its own thread; spans never wait for the network), to
/// be deleted by the caller. Deleting it flushes what is queued.
using exporter_entry
  = tracer* (*)(const tracing_options& options, diagnostics_sink diagnostics);

} // namespace semiasync::tracing
