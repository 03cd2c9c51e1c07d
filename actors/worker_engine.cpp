#include "actors/worker_engine.hpp"

#include "actors/stop_on_fatal.hpp"
#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"
#include "logging/log.hpp"

#include <caf/system_messages.hpp>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <tuple>

#include "tracing/kafka_spans.hpp"
#include "tracing/trace_log.hpp"

namespace semiasync {

namespace {

using self_pointer = poller_actor::stateful_pointer<worker_state>;

/// How long a stopping worker waits for outstanding delivery reports, so
/// the offsets of outcomes the broker already has are committed on close.
constexpr auto shutdown_flush = std::chrono::seconds{5};

/// Once this many batches wait in the backlog, keep-alive polls take one
/// record at a time: the group stays served while a long outage adds little
/// to memory.
constexpr size_t backlog_batches = 4;

/// Why the worker waits.
enum class retry_cause { handler, publish };

/// What one record turns into: the records to publish and how it counts.
struct plan {
  std::vector<kafka::outgoing_record> publishes;
  record_outcome outcome;
  bool dead_letter = false;
  reply_steering steering = reply_steering::none;
  /// The record's `process` span (tracing on).
  tracing::span_ptr span;
};

/// Where a record's outcome goes: an explicit partition, or -1 for "by key".
struct reply_target {
  int32_t partition = -1;
  reply_steering steering = reply_steering::none;
};

/// How old the cached partition count of the outcome topic may be. Counts
/// only grow, so a stale count can only refuse a partition that is new; a
/// header beyond it is checked against a count at most
/// `partition_recheck_age` old before it is refused.
constexpr auto partition_count_max_age = std::chrono::seconds{30};
constexpr auto partition_recheck_age = std::chrono::seconds{1};

std::string millis_text(caf::timespan t) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(t).count())
         + " ms";
}

/// The record `rec` as it goes to the dead-letter topic.
kafka::outgoing_record dead_letter_of(const worker_state& st,
                                      const kafka::record& rec,
                                      const std::string& reason) {
  tracing::log_in(rec.trace, log_level::warn, "worker",
                  "dead-lettering " + kafka::position_of(rec) + ": " + reason);
  return {st.cfg.dead_letter_topic, encode_dead_letter(rec, reason)};
}

/// The partition the record's `replyPartition` header asks for, when the
/// outcome topic has it. When the count is unknown (no metadata yet) the
/// header is trusted: if the partition does not exist, the publish fails,
/// `recheck_partition_count` makes the next attempt ask the broker, and
/// that attempt falls back to the key, so a bad header never holds a
/// record for good.
reply_target reply_target_of(worker_state& st, const kafka::record& rec) {
  auto raw = rec.message.header_value(reply_partition_header);
  if (!raw) return {};
  auto asked = requested_reply_partition(rec.message);
  auto refuse = [&](const std::string& why) {
    tracing::log_in(rec.trace, log_level::warn, "worker",
                    "ignoring " + std::string{reply_partition_header} + " '"
                      + std::string{*raw} + "' of " + kafka::position_of(rec)
                      + ": " + why + "; the outcome is partitioned by key");
    return reply_target{-1, reply_steering::fallback};
  };
  if (!asked) return refuse("not a partition number");
  auto& topic = st.cfg.outcome_topic;
  auto max_age = st.recheck_partition_count
                   ? std::chrono::milliseconds{0}
                   : std::chrono::milliseconds{partition_count_max_age};
  st.recheck_partition_count = false;
  auto count = st.publisher->partition_count(topic, max_age);
  // A failed refresh must not turn a known count into "unknown".
  if (count && *asked >= *count && max_age > partition_recheck_age)
    if (auto fresher
        = st.publisher->partition_count(topic, partition_recheck_age))
      count = fresher;
  if (count && *asked >= *count)
    return refuse("topic '" + topic + "' has " + std::to_string(*count)
                  + " partitions");
  return {*asked, reply_steering::steered};
}

uint64_t epoch_of(const worker_state& st, const kafka::record& rec) {
  auto i = st.epochs.find({rec.topic, rec.partition});
  return i == st.epochs.end() ? 0 : i->second;
}

/// What the handler's verdict on `rec` turns into: a dead letter first
/// when it asks for one, then its answer on the outcome topic, steered to
/// `reply`.
plan plan_of(const worker_state& st, const kafka::record& rec, verdict v,
             const reply_target& reply) {
  plan result{{}, v.counts_as, false, reply_steering::none, nullptr};
  if (v.dead_letter_reason) {
    result.publishes.push_back(dead_letter_of(st, rec, *v.dead_letter_reason));
    result.dead_letter = true;
  }
  if (v.answer) {
    result.publishes.push_back(
      {st.cfg.outcome_topic, std::move(*v.answer), reply.partition});
    result.steering = reply.steering;
  }
  return result;
}

/// The verdict on a record's `process` span: how it counts, and a dead
/// letter as a failure (the record is kept for a human).
void mark_verdict(tracing::span& span, const verdict& v) {
  static constexpr const char* names[]
    = {"created", "duplicated", "rejected", "dead_lettered"};
  span.set("semiasync.outcome",
           std::string{names[static_cast<size_t>(v.counts_as)]});
  if (v.dead_letter_reason) span.fail("dead_lettered", *v.dead_letter_reason);
}

/// Plans for the front of the backlog, as far as the handler got.
struct planned_batch {
  /// For the first `plans.size()` records, in order.
  std::vector<plan> plans;
  /// Why the record after them could not be decided (transient), if so.
  caf::error failure;
};

/// Hands up to `n` records from the front of the backlog to the handler,
/// then settles where each answer goes. Only then: the metadata lookup that
/// may need (up to a second) runs after the handler made its changes
/// durable, never inside its database transaction, and only for records
/// that have an answer to publish.
planned_batch plan_batch(worker_state& st, size_t n) {
  batch_spans spans;
  if (st.tracer)
    spans = open_batch_spans(*st.tracer, st.cfg.trace, st.backlog, n);
  record_batch batch{st.backlog.begin(), st.backlog.begin() + n};
  auto handled = st.handler->handle(batch);
  // A handler decides at most the records it was given.
  assert(handled.verdicts.size() <= n);
  auto decided = std::min(handled.verdicts.size(), n);
  if (st.tracer) close_decision_spans(spans, decided, handled.failure);
  planned_batch result{{}, std::move(handled.failure)};
  result.plans.reserve(decided);
  for (size_t i = 0; i < decided; ++i) {
    auto& rec = st.backlog[i];
    auto& v = handled.verdicts[i];
    auto reply = v.answer ? reply_target_of(st, rec) : reply_target{};
    if (st.tracer) mark_verdict(*spans.records[i], v);
    result.plans.push_back(plan_of(st, rec, std::move(v), reply));
    if (st.tracer) result.plans.back().span = std::move(spans.records[i]);
  }
  return result;
}

/// Ends a publish's `send` span: where the record landed, or why not.
void end_send_span(tracing::span& send, const caf::error& result,
                   const kafka::record_position& at) {
  if (result)
    send.fail(kind_of(result), reason_of(result));
  else
    tracing::landed(send, at.partition, at.offset);
  // Served on the worker's turn, up to a poll after the broker answered:
  // the span ends when the worker learnt the outcome of its publish, which
  // is also when the record's offset may commit. (librdkafka's message
  // latency is measured up to that serving too, so it cannot tell more.)
  send.end();
}

/// Publishes everything `p` asks for; each delivery report lands in
/// `finished`. Returns false when the producer refused one at once.
bool publish_all(worker_state& st, const kafka::record& rec, plan p) {
  auto pending = std::make_shared<pending_record>();
  pending->source = rec;
  pending->outcome = p.outcome;
  pending->dead_letter = p.dead_letter;
  pending->outstanding = p.publishes.size();
  pending->epoch = epoch_of(st, rec);
  pending->steering = p.steering;
  pending->process_span = std::move(p.span);
  bool accepted = true;
  for (auto& out : p.publishes) {
    auto sink = st.finished;
    tracing::span_ptr send;
    if (pending->process_span)
      send = open_send_span(*st.tracer, pending->process_span, rec, out);
    auto err = st.publisher->publish(
      std::move(out), [sink, pending, send](const caf::error& result,
                                            const kafka::record_position& at) {
        if (send) end_send_span(*send, result, at);
        sink->push_back(finished_publish{pending, result});
      });
    // Refused at once (queue full, unknown topic): reported like a failed
    // delivery, so the record is retried instead of lost.
    if (err) {
      if (send) end_send_span(*send, err, {});
      st.finished->push_back(finished_publish{pending, std::move(err)});
      accepted = false;
    }
  }
  return accepted;
}

/// Counts a record whose publishes were all acknowledged, and lets its
/// offset commit.
void succeed(worker_state& st, const pending_record& p) {
  auto& m = *st.metrics;
  switch (p.outcome) {
    case record_outcome::created: m.created.inc(); break;
    case record_outcome::duplicated: m.duplicated.inc(); break;
    case record_outcome::rejected: m.rejected.inc(); break;
    case record_outcome::dead_lettered: m.dead_lettered.inc(); break;
  }
  if (p.dead_letter) m.dead_letters.inc();
  if (p.steering == reply_steering::steered) m.replies_steered.inc();
  if (p.steering == reply_steering::fallback) m.replies_unsteerable.inc();
  auto& rec = p.source;
  if (p.process_span) p.process_span->end();
  if (auto safe = st.tracker.finished(rec.topic, rec.partition, rec.offset))
    if (auto err = st.source->mark_done(rec.topic, rec.partition, *safe))
      tracing::log_in(rec.trace, log_level::warn, "worker",
                      "could not store offset for " + kafka::position_of(rec)
                        + ": " + detail_of(err));
}

/// Applies delivery reports: commits what is safe, puts records with a
/// failed publish back in front of the backlog, in offset order. Returns
/// true when any record failed.
bool apply_finished(worker_state& st) {
  auto reports = std::move(*st.finished);
  st.finished->clear();
  std::vector<kafka::record> again;
  for (auto& item : reports) {
    auto& p = *item.record;
    if (item.error && !p.failure) p.failure = std::move(item.error);
    if (--p.outstanding > 0) continue;
    // Revoked since: the new owner starts from the last commit, so this
    // record is neither ours to commit nor to retry; its span says so
    // instead of passing for a record done.
    if (p.epoch != epoch_of(st, p.source)) {
      if (p.process_span) {
        p.process_span->set("semiasync.outcome", std::string{"revoked"});
        p.process_span->end();
      }
      continue;
    }
    if (!p.failure) {
      st.publish_backoff.reset();
      succeed(st, p);
      continue;
    }
    // Not acknowledged: the outcome may or may not be on the broker.
    // Processing again is harmless (idempotent) and keeps the offset held.
    // A steered publish may have failed for want of its partition: the
    // retry checks the partition against a fresh count.
    if (p.steering == reply_steering::steered)
      st.recheck_partition_count = true;
    if (p.process_span) {
      p.process_span->fail(kind_of(p.failure), reason_of(p.failure));
      p.process_span->end();
    }
    tracing::log_in(p.source.trace, log_level::warn, "worker",
                    "publish for " + kafka::position_of(p.source)
                      + " failed, retrying: " + reason_of(p.failure));
    st.metrics->publish_retries.inc();
    again.push_back(std::move(p.source));
  }
  std::sort(again.begin(), again.end(), [](const auto& x, const auto& y) {
    return std::tie(x.topic, x.partition, x.offset)
           < std::tie(y.topic, y.partition, y.offset);
  });
  st.backlog.insert(st.backlog.begin(), std::make_move_iterator(again.begin()),
                    std::make_move_iterator(again.end()));
  return !again.empty();
}

/// Forgets a partition a rebalance took away: its new owner starts from the
/// last commit, so neither its pending offsets nor its unprocessed records
/// are ours to finish.
void forget_partition(worker_state& st, const std::string& topic,
                      int32_t partition) {
  st.tracker.forget_partition(topic, partition);
  ++st.epochs[{topic, partition}];
  auto& backlog = st.backlog;
  backlog.erase(std::remove_if(backlog.begin(), backlog.end(),
                               [&](const kafka::record& rec) {
                                 return rec.partition == partition
                                        && rec.topic == topic;
                               }),
                backlog.end());
}

/// Polls the consumer, appending what arrives to the backlog (behind any
/// held record, so the order stays).
void poll_into_backlog(self_pointer self, size_t max,
                       std::chrono::milliseconds timeout) {
  auto& st = self->state;
  st.last_poll = self->clock().now();
  auto batch = st.source->poll(max, timeout);
  if (!batch) {
    log(log_level::warn, "worker", "poll failed: " + detail_of(batch.error()));
    return;
  }
  if (!batch->empty())
    st.metrics->batch_size.observe(static_cast<double>(batch->size()));
  for (auto& rec : *batch) {
    st.tracker.started(rec.topic, rec.partition, rec.offset);
    st.backlog.push_back(std::move(rec));
  }
}

/// Polls without waiting when the last poll is `keepalive_interval` ago, so
/// group membership and rebalances stay served while records are held.
void keep_alive(self_pointer self) {
  auto& st = self->state;
  if (self->clock().now() - st.last_poll < st.cfg.keepalive_interval) return;
  auto max = st.backlog.size() < backlog_batches * st.cfg.batch_size
               ? st.cfg.batch_size
               : size_t{1};
  poll_into_backlog(self, max, std::chrono::milliseconds{0});
}

/// Starts waiting before the next attempt, logging why.
void back_off(self_pointer self, retry_cause cause, const std::string& why) {
  auto& st = self->state;
  auto& policy
    = cause == retry_cause::handler ? st.handler_backoff : st.publish_backoff;
  auto wait = policy.next();
  st.retry_at = self->clock().now() + wait;
  log(log_level::warn, "worker", why + ", retrying in " + millis_text(wait));
}

/// Sleeps until the retry is due, waking at least every
/// `keepalive_interval` to poll the consumer.
void sleep_until_retry(self_pointer self) {
  auto& st = self->state;
  caf::timespan left = *st.retry_at - self->clock().now();
  self->delayed_send(self, std::min(left, st.cfg.keepalive_interval),
                     poll_atom::value);
}

/// One turn: apply delivery reports, then wait, or process up to one batch.
/// Exactly one `poll` message is in flight at any time.
void turn(self_pointer self) {
  auto& st = self->state;
  st.publisher->serve_delivery_reports(std::chrono::milliseconds{0});
  // The broker refused or lost outcomes: give it time instead of re-running
  // the handler's work in a tight loop. A wait already running covers it.
  if (apply_finished(st) && !st.retry_at)
    back_off(self, retry_cause::publish, "publishing failed");
  if (st.retry_at) {
    if (self->clock().now() < *st.retry_at) {
      keep_alive(self);
      sleep_until_retry(self);
      return;
    }
    st.retry_at.reset();
  }
  if (st.backlog.empty())
    poll_into_backlog(self, st.cfg.batch_size,
                      std::chrono::duration_cast<std::chrono::milliseconds>(
                        st.cfg.poll_timeout));
  // At most one batch per turn, so delivery reports and system messages
  // (a shutdown) get their turn under a steady stream too. Its outcomes are
  // published only once the handler made its state changes durable.
  auto n = std::min(st.cfg.batch_size, st.backlog.size());
  auto batch = n > 0 ? plan_batch(st, n) : planned_batch{};
  if (!batch.plans.empty()) st.handler_backoff.reset();
  for (size_t i = 0; i < batch.plans.size(); ++i) {
    auto rec = std::move(st.backlog.front());
    st.backlog.pop_front();
    // A refused publish comes back through its failed delivery report; the
    // records behind it stay in line, in order, and are decided again
    // (idempotently) after the wait.
    if (!publish_all(st, rec, std::move(batch.plans[i]))) {
      for (size_t j = i + 1; j < batch.plans.size(); ++j)
        if (auto& span = batch.plans[j].span)
          span->fail("publish_refused",
                     "not published: the producer refused an earlier record's "
                     "publish; decided again after the wait");
      back_off(self, retry_cause::publish, "the producer refused a publish");
      sleep_until_retry(self);
      return;
    }
  }
  if (batch.failure) {
    st.metrics->database_retries.inc();
    back_off(self, retry_cause::handler,
             "could not decide " + kafka::position_of(st.backlog.front()) + " ("
               + reason_of(batch.failure) + ")");
    sleep_until_retry(self);
    return;
  }
  keep_alive(self);
  self->send(self, poll_atom::value);
}

} // namespace

poller_actor::behavior_type worker_engine(self_pointer self,
                                          worker_dependencies deps,
                                          worker_metrics sink,
                                          worker_settings cfg) {
  auto& st = self->state;
  st.source = std::move(deps.source);
  st.publisher = std::move(deps.publisher);
  st.handler = std::move(deps.handler);
  st.tracer = std::move(deps.tracer);
  st.cfg = std::move(cfg);
  st.metrics.set(sink);
  auto random = deps.random ? deps.random : make_random_fraction();
  st.handler_backoff
    = retry_backoff{st.cfg.min_backoff, st.cfg.max_backoff, random};
  st.publish_backoff
    = retry_backoff{st.cfg.min_backoff, st.cfg.max_backoff, random};
  st.finished = std::make_shared<std::vector<finished_publish>>();
  st.last_poll = self->clock().now();
  // Runs inside `poll`, on this actor's thread, while the state is alive.
  st.source->on_revoked([&st](const std::string& topic, int32_t partition) {
    forget_partition(st, topic, partition);
  });
  // A publisher that failed for good fails every retry: the worker stops
  // the graceful way instead, so the process ends (`wait_for_stop`) and its
  // consumer leaves the group, handing the partitions on at once.
  stop_on_fatal(*st.publisher, self->address());
  // A graceful stop applies the last delivery reports before quitting: the
  // consumer commits stored offsets when it closes, so records whose
  // outcomes are on the broker are not processed again by the next owner.
  // Records still held are abandoned uncommitted: the next owner redoes them.
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    auto& st = self->state;
    if (auto err = st.publisher->flush(shutdown_flush))
      log(log_level::warn, "worker",
          "outcomes still unacknowledged at shutdown: " + detail_of(err));
    apply_finished(st);
    self->quit(msg.reason);
  });
  self->send(self, poll_atom::value);
  return {
    [self](poll_atom) {
      turn(self);
    },
  };
}

} // namespace semiasync
