#include "http/server_span.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "tracing/span_context.hpp"

namespace semiasync::http {

namespace {

/// The `detail` of a problem+json body, else its status line's words.
std::string detail_of_answer(const answer& a) {
  auto body = nlohmann::json::parse(a.body, nullptr, false);
  if (body.is_object()) {
    if (auto detail = body.find("detail");
        detail != body.end() && detail->is_string())
      return detail->get<std::string>();
    if (auto title = body.find("title");
        title != body.end() && title->is_string())
      return title->get<std::string>();
  }
  return "HTTP " + std::to_string(a.status);
}

} // namespace

tracing::span_ptr start_server_span(tracing::tracer& tracer,
                                    const server_request& request) {
  tracing::span_start what;
  what.name = std::string{request.method} + " " + std::string{request.route};
  what.kind = tracing::span_kind::server;
  if (request.traceparent)
    if (auto parent = tracing::parse_traceparent(*request.traceparent)) {
      if (request.tracestate)
        parent->trace_state = std::string{*request.tracestate};
      what.parent = std::move(parent);
    }
  what.attributes = {
    {"http.request.method", std::string{request.method}},
    {"http.route", std::string{request.route}},
    {"url.path", std::string{request.path}},
    {"url.scheme", std::string{"http"}},
  };
  return tracer.start(std::move(what));
}

void end_server_span(tracing::span& span, const answer& a,
                     std::string_view request_id) {
  span.set("http.response.status_code", int64_t{a.status});
  if (!request_id.empty())
    span.set("semiasync.request_id", std::string{request_id});
  // As the HTTP conventions say: only a 5xx fails a server span; a 4xx is
  // the client's doing.
  if (a.status >= 500) span.fail(std::to_string(a.status), detail_of_answer(a));
  span.end();
}

} // namespace semiasync::http
