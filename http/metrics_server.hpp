#pragma once

#include <caf/expected.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "metrics/registry.hpp"

namespace semiasync::http {

/// Where a metrics endpoint listens.
struct metrics_server_settings {
  /// Bind address.
  std::string address = "0.0.0.0";
  /// Listening port (the caller decides what 0 means; here it is a port).
  uint16_t port = 9091;
};

/// A small HTTP server (RESTinio, its own I/O context and thread) for a
/// process without the HTTP API, i.e. the worker: `GET /metrics` answers
/// the registry's Prometheus text, `GET /healthz` says the process is up.
/// Other methods on those paths get 405 with `Allow: GET`, other paths 404.
/// Stops in its destructor.
class metrics_server {
public:
  /// Starts listening; fails (`error_code::unavailable`) when the address
  /// cannot be bound. `reg` must outlive the server.
  static caf::expected<std::unique_ptr<metrics_server>>
  start(const metrics_server_settings& cfg, const metrics::registry& reg);

  virtual ~metrics_server() = default;

  /// Stops accepting and closes connections; returns once stopped, after
  /// which the registry is no longer read. Idempotent.
  virtual void stop() = 0;
};

} // namespace semiasync::http
