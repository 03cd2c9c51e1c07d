#pragma once

#include <memory>
#include <string>
#include <variant>

#include "tracing/exporter_plugin.hpp"

namespace semiasync::tracing {

/// A tracer that exports as `options` say, from the exporter plugin, which
/// this loads now (and never unloads); or why it cannot (the plugin, or
/// the SDK it needs, is not installed). Looked for next to the binary
/// (`../lib/`, then its own folder), then in the build tree it was built
/// in, then where the dynamic linker looks. Call it after the process
/// blocked its termination signals: the SDK's threads inherit the mask.
/// Destroying the tracer flushes the last spans.
std::variant<std::shared_ptr<tracer>, std::string>
load_exporting_tracer(const tracing_options& options,
                      diagnostics_sink diagnostics);

} // namespace semiasync::tracing
