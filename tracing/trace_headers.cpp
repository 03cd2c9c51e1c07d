#include "tracing/trace_headers.hpp"

#include <algorithm>

namespace semiasync::tracing {

namespace {

/// The last value of the header `name`.
std::optional<std::string_view> last_value(const wire_message& message,
                                           std::string_view name) {
  std::optional<std::string_view> found;
  for (const auto& h : message.headers)
    if (h.name == name) found = h.value;
  return found;
}

} // namespace

std::optional<span_context> context_of(const wire_message& message) {
  auto parent = last_value(message, traceparent_header);
  if (!parent) return std::nullopt;
  auto context = parse_traceparent(*parent);
  if (!context) return std::nullopt;
  if (auto state = last_value(message, tracestate_header))
    context->trace_state = std::string{*state};
  return context;
}

void put_context(wire_message& message, const span_context& context) {
  auto& headers = message.headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [](const header& h) {
                                 return h.name == traceparent_header
                                        || h.name == tracestate_header;
                               }),
                headers.end());
  headers.push_back(
    {std::string{traceparent_header}, format_traceparent(context)});
  if (!context.trace_state.empty())
    headers.push_back({std::string{tracestate_header}, context.trace_state});
}

} // namespace semiasync::tracing
