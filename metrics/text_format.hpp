#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace semiasync::metrics {

/// Label pairs (name, value) of one series.
using labels = std::vector<std::pair<std::string, std::string>>;

/// Pieces of the Prometheus text exposition format 0.0.4, shared by the
/// registry's `render` and its tests.
namespace text {

/// The media type of the format, for the Content-Type of `/metrics`.
constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

/// A label value with `\`, `"` and line feeds escaped.
std::string escape_label_value(std::string_view value);

/// A HELP text with `\` and line feeds escaped (quotes stay).
std::string escape_help(std::string_view help);

/// A sample value: shortest round-trip decimal, or `+Inf`, `-Inf`, `NaN`.
std::string format_value(double value);

/// `{a="1",b="2"}` in the given order, or empty when there are no labels.
std::string format_labels(const labels& pairs);

/// True for names matching `[a-zA-Z_:][a-zA-Z0-9_:]*`.
bool valid_metric_name(std::string_view name);

/// True for names matching `[a-zA-Z_][a-zA-Z0-9_]*` not starting with `__`
/// (reserved by Prometheus).
bool valid_label_name(std::string_view name);

} // namespace text

} // namespace semiasync::metrics
