// The worker's metrics endpoint. A RESTinio server of its own rather than a
// route in server.cpp: the worker has no HTTP API to share one with, and
// keeping it in its own translation unit keeps the slow RESTinio build in
// one place per server.

#include "http/metrics_server.hpp"

#include "domain/error.hpp"
#include "domain/uuid.hpp"
#include "http/accept_recovery.hpp"
#include "http/answer.hpp"

#include <restinio/all.hpp>

namespace semiasync::http {

namespace {

/// RESTinio's defaults plus a limit on open connections, as the main port.
struct traits : restinio::default_traits_t {
  static constexpr bool use_connection_count_limiter = true;
};

} // namespace

} // namespace semiasync::http

// An accept that fails (EMFILE, ...) is retried after a back-off instead of
// ending accepting for good.
SEMIASYNC_RECOVER_ACCEPT_ERRORS(semiasync::http::traits)

namespace semiasync::http {

namespace {

/// The largest body a request may carry: the port reads none, and a body
/// is buffered whole before the handler runs, so anything larger closes
/// the connection as soon as its Content-Length (or its chunks) say so. A
/// small one is read, so a POST with a little body still learns its 405.
constexpr uint64_t max_body_bytes = 1024;

/// Header fields a request may have (as the main port).
constexpr size_t max_header_fields = 100;

/// Longest header field name (as the main port).
constexpr size_t max_header_name_bytes = 256;

/// Each connection's read buffer: requests here are a GET line and a few
/// headers.
constexpr size_t read_buffer_bytes = 1024;

/// The methods the port serves.
constexpr const char* allowed_methods = "GET, HEAD";

/// Writes `a` as the response to `req`; for HEAD, the same status and
/// header fields with the length GET would send, and no body (RFC 9110
/// 9.3.2: RESTinio sends a body for HEAD as for any method).
void reply(const restinio::request_handle_t& req, const answer& a) {
  restinio::http_status_line_t status{restinio::http_status_code_t{a.status},
                                      std::string{reason_phrase(a.status)}};
  auto fill = [&a](auto& resp) {
    resp.append_header(restinio::http_field::content_type, a.content_type);
    for (auto& [name, value] : a.headers)
      resp.append_header(name, value);
  };
  if (req->header().method() == restinio::http_method_head()) {
    auto resp
      = req->create_response<restinio::user_controlled_output_t>(status);
    fill(resp);
    resp.set_content_length(a.body.size());
    resp.done();
    return;
  }
  auto resp = req->create_response(std::move(status));
  fill(resp);
  resp.set_body(a.body);
  resp.done();
}

/// A problem naming a fresh request ID, as the main port answers requests
/// that reach no handler.
answer fresh_problem(uint16_t status, std::string_view detail) {
  request_id id{random_uuid()};
  auto result = problem(status, detail, id);
  result.headers.emplace_back("X-Request-Id", id.value);
  return result;
}

class restinio_metrics_server final : public metrics_server {
public:
  restinio_metrics_server(const metrics_server_settings& cfg,
                          const metrics::registry& reg)
    : cfg_(cfg), registry_(reg) {
    // nop
  }

  ~restinio_metrics_server() override {
    stop();
  }

  caf::error start() {
    try {
      instance_ = restinio::run_async<traits>(
        restinio::own_io_context(),
        restinio::server_settings_t<traits>{}
          .address(cfg_.address)
          .port(cfg_.port)
          .read_next_http_message_timelimit(cfg_.read_timeout)
          .write_http_response_timelimit(cfg_.write_timeout)
          .max_parallel_connections(cfg_.max_connections)
          .buffer_size(read_buffer_bytes)
          .incoming_http_msg_limits(
            restinio::incoming_http_msg_limits_t{}
              .max_body_size(max_body_bytes)
              .max_url_size(cfg_.max_header_bytes)
              .max_field_value_size(cfg_.max_header_bytes)
              .max_field_name_size(max_header_name_bytes)
              .max_field_count(max_header_fields))
          .request_handler([this](const restinio::request_handle_t& req) {
            return handle(req);
          }),
        1);
      return {};
    } catch (const std::exception& ex) {
      return make_error(error_code::unavailable,
                        "cannot listen on " + cfg_.address + ":"
                          + std::to_string(cfg_.port) + ": " + ex.what());
    }
  }

  void stop() override {
    if (!instance_) return;
    instance_->stop();
    instance_->wait();
    instance_.reset();
  }

private:
  restinio::request_handling_status_t
  handle(const restinio::request_handle_t& req) {
    reply(req, answer_to(*req));
    return restinio::request_accepted();
  }

  answer answer_to(const restinio::request_t& req) const {
    const auto path = req.header().path();
    if (path != "/metrics" && path != "/healthz")
      return fresh_problem(404, "no such resource");
    const auto method = req.header().method();
    if (method != restinio::http_method_get()
        && method != restinio::http_method_head()) {
      auto refused
        = fresh_problem(405, std::string{"allowed: "} + allowed_methods);
      refused.headers.emplace_back("Allow", allowed_methods);
      return refused;
    }
    if (path == "/healthz") return json_answer(200, R"({"status":"ok"})");
    return {200, registry_.render(), metrics::text::content_type, {}};
  }

  metrics_server_settings cfg_;
  const metrics::registry& registry_;
  restinio::running_server_handle_t<traits> instance_;
};

} // namespace

caf::expected<std::unique_ptr<metrics_server>>
metrics_server::start(const metrics_server_settings& cfg,
                      const metrics::registry& reg) {
  auto result = std::make_unique<restinio_metrics_server>(cfg, reg);
  if (auto err = result->start()) return err;
  return std::unique_ptr<metrics_server>{std::move(result)};
}

} // namespace semiasync::http
