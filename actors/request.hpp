#pragma once

#include "actors/protocol.hpp"
#include "actors/request_metrics.hpp"
#include "metrics/flow_sink.hpp"

#include <caf/expected.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "tracing/tracer.hpp"

namespace semiasync {

/// What answers a request: create-user's outcome, or a configured route's
/// reply.
using request_result = std::variant<outcome, route_reply>;

/// Hands the result of one request to the HTTP edge; called exactly once,
/// on the request actor's thread.
using reply_function = std::function<void(caf::expected<request_result>)>;

/// How one request is traced, when tracing is on.
struct request_tracing {
  /// Where its spans go; null: tracing is off, and nothing below is used.
  tracing::tracer* tracer = nullptr;
  /// The HTTP server span's context: the parent of the publish span.
  tracing::span_context server_span;
  /// The topic its outcome arrives on, for the receipt span; must outlive
  /// the actor.
  std::string_view outcome_topic{};
};

/// Everything one request actor needs, fixed when it is spawned.
struct request_context {
  /// The request's ID, under which the registry routes its answer.
  request_id request;
  /// Create-user: the name whose outcome answers this request (another
  /// name's outcome under a shared Idempotency-Key answers another
  /// request). Nothing for a configured route's request, which any reply
  /// under its ID answers.
  std::optional<user_name> name;
  /// The record to publish, built by the edge (with the reply partition
  /// this instance reads, when steered).
  kafka::outgoing_record record;
  /// When to give up waiting for the outcome, from the enrollment at the
  /// registry (which keeps the deadline).
  caf::timespan deadline;
  /// The client prefers a 202 to waiting (`Prefer: respond-async`): a
  /// deadline that passes before the broker acknowledged the request waits
  /// for that acknowledgement, so a 202 always means "published".
  bool respond_async = false;
  /// How long the producer may take to get the request acknowledged.
  caf::timespan produce_timeout;
  /// Routes the outcome to us.
  registry_actor registry;
  /// Publishes the request.
  producer_actor producer;
  /// Answers the client.
  reply_function reply;
  /// Where latencies and failures are counted.
  request_metrics& metrics;
  /// Where the request's stages go for the live page; null: nowhere.
  metrics::flow_sink* flow = nullptr;
  /// The request's route as the page names it (`create-user` or a
  /// configured route's name); must outlive the actor.
  std::string_view flow_route{};
  /// Its spans: the publish (until the broker acknowledged) and the
  /// receipt of its outcome.
  request_tracing trace{};
};

/// State of one waiting request.
struct request_state {
  // -- member variables -------------------------------------------------------

  /// Set once the broker acknowledged the request.
  bool published = false;

  /// Set when publishing failed after the record may have been written.
  bool maybe_published = false;

  /// Set when the deadline of a `respond_async` request passed before the
  /// acknowledgement: answer as soon as the publish is decided.
  bool deadline_passed = false;

  /// When the actor started, for latencies.
  std::chrono::steady_clock::time_point started;

  /// When the broker acknowledged the request.
  std::chrono::steady_clock::time_point acknowledged;

  /// The actor's name in logs.
  static inline const char* name = "request";
};

/// One HTTP request in flight, of create-user or of a configured route:
/// registers under its request ID, then asks the producer to publish, then
/// waits for the outcome, a publish error or its deadline, answers exactly
/// once, withdraws from the registry and quits. Once published, the
/// registry remembers the request as pending.
request_actor::behavior_type
waiting_request(request_actor::stateful_pointer<request_state> self,
                request_context ctx);

} // namespace semiasync
