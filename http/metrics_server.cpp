// The worker's metrics endpoint. A RESTinio server of its own rather than a
// route in server.cpp: the worker has no HTTP API to share one with, and
// keeping it in its own translation unit keeps the slow RESTinio build in
// one place per server.

#include "http/metrics_server.hpp"

#include "domain/error.hpp"
#include "http/restinio_reply.hpp"
#include "http/restinio_routes.hpp"

#include <restinio/all.hpp>

namespace semiasync::http {

namespace {

using traits = server_traits;

/// The largest body a request may carry: the port reads none, and a body
/// is buffered whole before the handler runs, so anything larger closes
/// the connection as soon as its Content-Length (or its chunks) say so. A
/// small one is read, so a POST with a little body still learns its 405.
constexpr uint64_t max_body_bytes = 1024;

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
            message_limits(max_body_bytes, cfg_.max_header_bytes))
          .request_handler(request_handler()),
        1);
      return {};
    } catch (const std::exception& ex) {
      return listen_failure(cfg_.address, cfg_.port, ex);
    }
  }

  void stop() override {
    if (!instance_) return;
    instance_->stop();
    instance_->wait();
    instance_.reset();
  }

private:
  /// The request handler: the operational routes, answered at once.
  restinio::default_request_handler_t request_handler() const {
    route_table table{[](const restinio::request_handle_t& req,
                         std::string_view, const answer& a) {
      write_answer(req, a);
    }};
    table.add_operational(registry_);
    return std::move(table).handler();
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
