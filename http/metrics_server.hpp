#pragma once

#include "metrics/registry.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace semiasync::http {

/// Where a metrics endpoint listens, and the limits it serves with (the
/// main port's settings, filled from the process's settings where their
/// defaults are declared; a body limit of its own is fixed, it reads none).
struct metrics_server_settings {
  /// Bind address.
  std::string address;
  /// Listening port (the caller decides what 0 means; here it is a port).
  uint16_t port = 0;
  /// Open connections at once; beyond it, new ones wait to be accepted.
  size_t max_connections = 0;
  /// Time to receive a whole request.
  std::chrono::milliseconds read_timeout{};
  /// Time to send an answer.
  std::chrono::milliseconds write_timeout{};
  /// Largest URL and header field value.
  size_t max_header_bytes = 0;
};

/// A small HTTP server (RESTinio, its own I/O context and thread) for a
/// process without the HTTP API, i.e. the worker: `GET /metrics` answers
/// the registry's Prometheus text, `GET /healthz` says the process is up,
/// and `HEAD` answers as `GET` without the body. Other methods on those
/// paths get a 405 problem with `Allow: GET, HEAD`, other paths a 404
/// problem; paths are matched as on the main port (`route_table`); a request
/// with a body over 1 KiB has its connection closed.
/// Stops in its destructor.
class metrics_server {
public:
  /// Starts listening; fails (`error_code::listen_failed`) when the address
  /// cannot be bound. `reg` must outlive the server.
  static caf::expected<std::unique_ptr<metrics_server>>
  start(const metrics_server_settings& cfg, const metrics::registry& reg);

  virtual ~metrics_server() = default;

  /// Stops accepting and closes connections; returns once stopped, after
  /// which the registry is no longer read. Idempotent.
  virtual void stop() = 0;
};

} // namespace semiasync::http
