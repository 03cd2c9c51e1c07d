#include "actors/request.hpp"

#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

#include <caf/sec.hpp>

#include <memory>

#include "tracing/kafka_spans.hpp"
#include "tracing/trace_headers.hpp"

namespace semiasync {

namespace {

using self_pointer = request_actor::stateful_pointer<request_state>;
using clock_type = std::chrono::steady_clock;

/// The context of one request actor, shared by its handlers. It answers the
/// client itself when the actor ends without having answered (killed, or
/// an exception in a handler): CAF destroys the handlers, and with them the
/// last reference, when the actor terminates, so no exit path leaves the
/// HTTP request unanswered or its in-flight slot taken.
struct request_session {
  explicit request_session(request_context context) : ctx(std::move(context)) {
    // nop
  }

  request_session(const request_session&) = delete;
  request_session& operator=(const request_session&) = delete;

  ~request_session() {
    // The span lives here, not in the actor's state, so that this reaches
    // it whichever of the two CAF destroys first.
    abandon_publish();
    if (answered) return;
    try {
      // Once the record went to the producer it may be on the broker and
      // complete later: a 503 ("try again") would then be untrue.
      ctx.reply(publish_requested
                  ? make_error(error_code::publish_uncertain,
                               "the request ended without an answer; it may "
                               "still complete")
                  : make_error(error_code::component_failed,
                               "the request ended without an answer"));
    } catch (...) {
      // Nothing is left to tell: the answer could not even be built.
    }
  }

  request_context ctx;
  /// Set once `ctx.reply` was called: the client has its answer, and later
  /// events change nothing.
  bool answered = false;
  /// Set once the record was handed to the producer.
  bool publish_requested = false;
  /// The producer span of the request's publish, while it is open (tracing
  /// on only).
  tracing::span_ptr publish_span;

  /// Ends the publish span the producer never answered (the request timed
  /// out, or the actor died): failed, since nobody knows whether the record
  /// reached the broker.
  void abandon_publish() {
    if (!publish_span) return;
    publish_span->fail("not_acknowledged",
                       "the request ended before the broker answered");
    publish_span->end();
    publish_span.reset();
  }
};

/// Seconds between two instants, for histograms.
double seconds_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

/// Answers once, withdraws and quits; a no-op after the first call.
void finish(self_pointer self, request_session& session,
            caf::expected<request_result> result) {
  auto& st = self->state;
  auto& ctx = session.ctx;
  if (session.answered) return;
  session.answered = true;
  auto now = clock_type::now();
  ctx.metrics.total.observe(seconds_between(st.started, now));
  if (result && st.published)
    ctx.metrics.outcome_wait.observe(seconds_between(st.acknowledged, now));
  if (!result && code_of(result.error()) == error_code::reply_timeout)
    ctx.metrics.deadline_expiries.inc();
  // An answer that overtook the producer's proves the record reached the
  // broker; a request ending without one leaves its fate unknown.
  if (result && session.publish_span) {
    session.publish_span->end();
    session.publish_span.reset();
  } else {
    session.abandon_publish();
  }
  ctx.reply(std::move(result));
  self->send(ctx.registry, withdraw_atom::value,
             caf::actor_cast<request_actor>(self));
  self->quit();
}

/// Reports one stage of this request to the live page, when one listens:
/// `fill` completes the event. Nothing is built otherwise.
template <class Fill>
void report(const request_context& ctx, metrics::flow_stage stage, Fill fill) {
  if (!ctx.flow || !ctx.flow->listening()) return;
  metrics::flow_event event;
  event.stage = stage;
  event.id = ctx.request.value;
  event.route = std::string{ctx.flow_route};
  event.at_ms = metrics::unix_now_ms();
  fill(event);
  ctx.flow->emit(event);
}

/// The page's view of an outcome record: its event type, where it was read
/// and when the worker published it.
void report_outcome(const request_state& st, const request_context& ctx,
                    std::string_view type, const kafka::record_position& at) {
  report(ctx, metrics::flow_stage::outcome, [&](metrics::flow_event& event) {
    if (!type.empty()) event.type = std::string{type};
    if (at.timestamp_ms >= 0) event.decided_at_ms = at.timestamp_ms;
    if (at.partition >= 0) event.partition = at.partition;
    if (at.offset >= 0) event.offset = at.offset;
    if (st.published)
      event.ms = metrics::millis_between(st.acknowledged, clock_type::now());
  });
}

/// Opens the publish span and puts its context into the record's headers,
/// so the worker continues the trace (tracing on only).
void start_publish_span(request_session& session) {
  auto& ctx = session.ctx;
  auto& trace = ctx.trace;
  session.publish_span = trace.tracer->start(tracing::kafka_send(
    {.topic = ctx.record.topic, .conversation_id = ctx.request.value},
    trace.server_span));
  tracing::put_context(ctx.record.message, session.publish_span->context());
}

/// Closes the publish span: acknowledged at `receipt`, or failed.
void end_publish_span(request_session& session, const publish_receipt* receipt,
                      const caf::error* err) {
  auto& span = session.publish_span;
  if (!span) return;
  if (receipt) tracing::landed(*span, receipt->partition, receipt->offset);
  if (err) span->fail(kind_of(*err), reason_of(*err));
  span->end();
  span.reset();
}

/// The span of the outcome's arrival at this request: a child of the span
/// that published it, when its record said so (a worker that traces), of
/// the server span otherwise (tracing on only).
void trace_receipt(const request_context& ctx, std::string_view event_type,
                   const kafka::record_position& at) {
  auto& trace = ctx.trace;
  std::optional<tracing::span_context> parent = trace.server_span;
  if (auto from_record = tracing::parse_traceparent(at.trace_parent))
    parent = from_record;
  auto what = tracing::kafka_process({.topic = trace.outcome_topic,
                                      .conversation_id = ctx.request.value,
                                      .partition = at.partition,
                                      .offset = at.offset},
                                     parent);
  if (!event_type.empty())
    what.attributes.push_back(
      {"semiasync.outcome.type", std::string{event_type}});
  // A point event, the outcome's arrival here: its zero length is intended.
  trace.tracer->start(std::move(what))->end();
}

/// librdkafka enforces its message timeout (the produce timeout) on a
/// coarse timer; the delivery report is the authority, so our own wait
/// allows it this much longer before giving up on it.
constexpr auto delivery_report_grace = std::chrono::milliseconds{1500};

/// A failure to publish where the record certainly never reached the
/// broker: the client may retry, so it is a 503.
caf::error as_publish_failure(const caf::error& err) {
  if (code_of(err) == error_code::publish_failed) return err;
  return make_error(error_code::publish_failed, "the producer is unavailable");
}

caf::error deadline_error() {
  return make_error(error_code::reply_timeout,
                    "no outcome arrived before the deadline");
}

/// A respond-async client past its deadline would otherwise get a 202 for
/// a request that may never have arrived: it gets a 504 instead.
caf::error uncertain_error() {
  return make_error(error_code::publish_uncertain,
                    "the broker may not have the request");
}

/// The broker has the request, where `receipt` says.
void on_published(self_pointer self, request_session& session,
                  const publish_receipt& receipt) {
  auto& st = self->state;
  auto& ctx = session.ctx;
  st.published = true;
  st.acknowledged = clock_type::now();
  end_publish_span(session, &receipt, nullptr);
  ctx.metrics.publish_ack.observe(seconds_between(st.started, st.acknowledged));
  report(ctx, metrics::flow_stage::published, [&](metrics::flow_event& event) {
    event.partition = receipt.partition;
    event.offset = receipt.offset;
    event.ms = metrics::millis_between(st.started, st.acknowledged);
  });
  // The outcome may have overtaken this message at the registry; then the
  // ID stays "pending" there until the bound pushes it out, which is
  // harmless: GET /requests/<id> asks the database first.
  self->send(ctx.registry, accepted_atom::value, ctx.request);
  if (st.deadline_passed) finish(self, session, deadline_error());
}

/// The publish failed. A record that may be on the broker is waited for
/// (the deadline answers 504 if no outcome comes); one that certainly is
/// not is a 503.
void on_publish_error(self_pointer self, request_session& session,
                      const caf::error& err) {
  auto& ctx = session.ctx;
  ctx.metrics.publish_errors.inc();
  end_publish_span(session, nullptr, &err);
  auto uncertain = code_of(err) == error_code::publish_uncertain
                   || err == caf::sec::request_timeout;
  if (!uncertain) {
    finish(self, session, as_publish_failure(err));
    return;
  }
  self->state.maybe_published = true;
  if (self->state.deadline_passed) finish(self, session, uncertain_error());
}

/// Enrolls at the registry: under the name for create-user, under the ID
/// alone for a route.
template <class Then, class Fail>
void enroll(self_pointer self, const request_context& ctx, Then then,
            Fail fail) {
  auto me = caf::actor_cast<request_actor>(self);
  if (ctx.name)
    self
      ->request(ctx.registry, caf::infinite, enroll_atom::value, ctx.request,
                *ctx.name, me, ctx.deadline)
      .then(std::move(then), std::move(fail));
  else
    self
      ->request(ctx.registry, caf::infinite, enroll_atom::value, ctx.request,
                me, ctx.deadline)
      .then(std::move(then), std::move(fail));
}

} // namespace

request_actor::behavior_type waiting_request(self_pointer self,
                                             request_context ctx) {
  auto session = std::make_shared<request_session>(std::move(ctx));
  self->state.started = clock_type::now();
  report(session->ctx, metrics::flow_stage::received, [](auto&) {});
  // Register first, publish second: the outcome cannot overtake a
  // registration that completed before the request left this process.
  // The registry also keeps the deadline, not this actor: a pending delayed
  // message keeps its receiver alive until it fires, and most requests end
  // long before their deadline. Kept by the registry, each costs a small
  // message instead of keeping a finished actor (about 1.2 KiB) alive for
  // the rest of its deadline: at 9,000 requests/s and a 5 s deadline,
  // 55 MiB of RSS.
  enroll(
    self, session->ctx,
    [self, session](caf::ok_atom) {
      session->publish_requested = true;
      if (session->ctx.trace.tracer) start_publish_span(*session);
      // Published once: the record need not live on with the request (a
      // few hundred bytes each, times every request waiting).
      self
        ->request(session->ctx.producer,
                  session->ctx.produce_timeout + delivery_report_grace,
                  publish_atom::value, std::move(session->ctx.record))
        .then(
          [self, session](const publish_receipt& receipt) {
            on_published(self, *session, receipt);
          },
          [self, session](caf::error& err) {
            on_publish_error(self, *session, err);
          });
    },
    [self, session](caf::error& err) {
      finish(self, *session,
             make_error(error_code::component_failed,
                        "registry unavailable: " + to_string(err)));
    });
  return {
    [self, session](outcome_atom, outcome& result,
                    const kafka::record_position& at) {
      // The registry routes by request ID and name already; this actor
      // checks again, since answering with another request's outcome is the
      // one mistake a client cannot detect.
      if (!session->ctx.name || name_of(result) != *session->ctx.name
          || request_of(result) != session->ctx.request)
        return;
      if (!session->answered) {
        report_outcome(self->state, session->ctx, outcome_event_type(result),
                       at);
        if (session->ctx.trace.tracer)
          trace_receipt(session->ctx, outcome_event_type(result), at);
      }
      finish(self, *session, request_result{std::move(result)});
    },
    [self, session](outcome_atom, route_reply& reply) {
      if (session->ctx.name || reply.request != session->ctx.request) return;
      if (!session->answered) {
        report_outcome(self->state, session->ctx, reply.event_type,
                       reply.origin);
        if (session->ctx.trace.tracer)
          trace_receipt(session->ctx, reply.event_type, reply.origin);
      }
      finish(self, *session, request_result{std::move(reply)});
    },
    [self, session](deadline_atom) {
      auto& st = self->state;
      if (!session->ctx.respond_async || st.published)
        finish(self, *session, deadline_error());
      else if (st.maybe_published)
        finish(self, *session, uncertain_error());
      else
        st.deadline_passed = true; // Answered once the publish is decided.
    },
  };
}

} // namespace semiasync
