#pragma once

#include "actors/protocol.hpp"
#include "actors/request_metrics.hpp"
#include "config/route_spec.hpp"
#include "http/flow_hub.hpp"
#include "metrics/registry.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tracing/tracer.hpp"

namespace semiasync::http {

/// Settings of the HTTP front end. Filled field by field from the process's
/// settings (app/server_command.cpp), where every default is declared once
/// (config/settings.hpp); none is repeated here.
struct server_settings {
  /// Bind address.
  std::string address;
  /// Listening port.
  uint16_t port = 0;
  /// I/O threads.
  size_t threads = 0;
  /// Largest accepted body.
  size_t max_body_bytes = 0;
  /// Where requests are published.
  std::string request_topic;
  /// Where create-user's outcomes arrive (named by its receipt spans).
  std::string outcome_topic{};
  /// How long a request waits for its outcome.
  std::chrono::milliseconds reply_timeout{};
  /// The longest deadline a client may ask for with `Prefer: wait=`.
  std::chrono::milliseconds max_wait{};
  /// How long publishing a request may take.
  std::chrono::milliseconds produce_timeout{};
  /// Requests waiting for outcomes at once; beyond it, 503.
  size_t max_in_flight = 0;
  /// Largest URL and header field value.
  size_t max_header_bytes = 0;
  /// Open connections at once.
  size_t max_connections = 0;
  /// Time to receive a whole request.
  std::chrono::milliseconds read_timeout{};
  /// Time to send an answer.
  std::chrono::milliseconds write_timeout{};
  /// Key of the hash from an Idempotency-Key to its request ID; empty: the
  /// key's public UUIDv5.
  std::string idempotency_secret;
  /// Header whose value scopes Idempotency-Keys per client; empty: none.
  std::string idempotency_scope_header;
  /// The configured routes, served besides create-user.
  std::vector<config::route_spec> routes;
  /// How long a route's request stays in the gateway's store.
  std::chrono::milliseconds idempotency_retention{};
  /// Serve the live page (`GET /ui`) and its event stream (`GET
  /// /ui/events`); off: both are unknown paths.
  bool ui = false;

  /// The largest body any route accepts, create-user's included.
  size_t largest_body() const {
    auto result = max_body_bytes;
    for (const auto& route : routes)
      result = std::max(result, route.max_body_bytes);
    return result;
  }

  /// The longest a request may wait for its outcome: the reply timeout (a
  /// route's own included), or the longest `Prefer: wait=` a client may
  /// ask for, whichever is longest.
  std::chrono::milliseconds longest_deadline() const {
    auto result = std::max(reply_timeout, max_wait);
    for (const auto& route : routes)
      if (route.reply_timeout) result = std::max(result, *route.reply_timeout);
    return result;
  }
};

/// What the HTTP front end talks to.
struct server_dependencies {
  /// Spawns the request actors.
  caf::actor_system* system = nullptr;
  /// Routes outcomes to request actors.
  registry_actor registry;
  /// Publishes requests.
  producer_actor producer;
  /// Answers `GET /users/<uuid>` and `GET /requests/<id>` from the database.
  reader_actor reader;
  /// Why the process is not ready to serve, or nothing when it is. Must not
  /// block: it runs on an I/O thread.
  std::function<std::optional<std::string>()> not_ready;
  /// Why `topic` cannot take a write now, or nothing when it can: such
  /// requests get 503 at once instead of waiting for a write that cannot
  /// complete. Must not block: it runs on an I/O thread. Empty: never
  /// refuses.
  std::function<std::optional<std::string>(const std::string& topic)>
    unwritable;
  /// The process's metrics: rendered by `/metrics`, and where the server
  /// counts requests by route and status. Required; outlives the server.
  metrics::registry* metrics = nullptr;
  /// Latencies and failures of create-user requests. Required; outlives the
  /// server.
  request_metrics* requests = nullptr;
  /// The outcome partition the next request names for its reply (steered
  /// routing), called once per request on an I/O thread; empty or nothing:
  /// no `replyPartition` header (broadcast).
  std::function<std::optional<int32_t>()> reply_partition;
  /// Keeps configured routes' requests and replies; required when there
  /// are routes.
  gateway_keeper_actor keeper;
  /// `reply_partition` for a route's outcome topic, by topic name.
  std::function<std::optional<int32_t>(const std::string& outcome_topic)>
    route_reply_partition;
  /// Where requests' stages go, and whom `GET /ui/events` subscribes;
  /// required when `server_settings::ui` is on (null: no stages reported).
  /// Outlives the server; the server closes it when draining begins.
  flow_hub* flow = nullptr;
  /// Where requests' spans go; null: tracing is off. Outlives the server
  /// and every request actor.
  tracing::tracer* tracer = nullptr;
};

/// The running HTTP server (RESTinio). Stops in its destructor.
///
/// Shutdown: `begin_draining`, then `wait_until_idle`, then `stop`. Keep
/// the object alive until the actor system is gone: a request actor that
/// answers late still posts to the server's I/O context, which lives as long
/// as this object does.
class server {
public:
  /// Starts listening; fails when the port cannot be bound.
  static caf::expected<std::unique_ptr<server>>
  start(const server_settings& cfg, server_dependencies deps);

  virtual ~server() = default;

  /// From now on, new requests (create-user's and routes') get 503 +
  /// Retry-After, and the live page's streams end.
  virtual void begin_draining() = 0;

  /// Waits until no request waits for its outcome, at most `timeout`.
  /// Returns how many still wait.
  virtual size_t wait_until_idle(std::chrono::milliseconds timeout) = 0;

  /// Stops accepting and closes connections; returns once stopped.
  virtual void stop() = 0;
};

} // namespace semiasync::http
