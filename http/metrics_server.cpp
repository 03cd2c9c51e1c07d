// The worker's metrics endpoint. A RESTinio server of its own rather than a
// route in server.cpp: the worker has no HTTP API to share one with, and
// keeping it in its own translation unit keeps the slow RESTinio build in
// one place per server.

#include "http/metrics_server.hpp"

#include "domain/error.hpp"

#include <restinio/all.hpp>

namespace semiasync::http {

namespace {

using traits = restinio::default_traits_t;

/// Writes one complete answer; RESTinio dispatches it onto the connection.
void reply(const restinio::request_handle_t& req,
           restinio::http_status_line_t status, const char* content_type,
           std::string body, const char* allow = nullptr) {
  auto resp = req->create_response(std::move(status));
  resp.append_header(restinio::http_field::content_type, content_type);
  if (allow) resp.append_header(restinio::http_field::allow, allow);
  resp.set_body(std::move(body));
  resp.done();
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
    const auto path = req->header().path();
    if (path != "/metrics" && path != "/healthz") {
      reply(req, restinio::status_not_found(), "application/json",
            R"({"status":"not found"})");
      return restinio::request_accepted();
    }
    if (req->header().method() != restinio::http_method_get()) {
      reply(req, restinio::status_method_not_allowed(), "application/json",
            R"({"status":"method not allowed"})", "GET");
      return restinio::request_accepted();
    }
    if (path == "/healthz")
      reply(req, restinio::status_ok(), "application/json",
            R"({"status":"ok"})");
    else
      reply(req, restinio::status_ok(), metrics::text::content_type,
            registry_.render());
    return restinio::request_accepted();
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
