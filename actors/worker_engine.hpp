#pragma once

#include "actors/backoff.hpp"
#include "actors/protocol.hpp"
#include "actors/record_handler.hpp"
#include "actors/set_at_spawn.hpp"
#include "actors/worker_metrics.hpp"
#include "actors/worker_tracing.hpp"
#include "kafka/interfaces.hpp"
#include "kafka/offset_tracker.hpp"

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace semiasync {

/// Fixed settings of a worker.
struct worker_settings {
  /// Where outcomes go.
  std::string outcome_topic;
  /// Where undecodable or unprocessable requests go.
  std::string dead_letter_topic;
  /// How long one poll may block when idle (the worker runs on its own
  /// thread, so blocking there delays nobody else).
  caf::timespan poll_timeout = std::chrono::milliseconds{100};
  /// Ceiling of the first wait after a transient failure; doubles up to
  /// `max_backoff` (see `retry_backoff` for the jitter).
  caf::timespan min_backoff;
  /// Longest wait between retries.
  caf::timespan max_backoff;
  /// Most records taken per poll, and processed per turn.
  size_t batch_size = 256;
  /// Longest time without a consumer poll, also while backing off or
  /// working through a backlog: a member that stops polling is thrown out
  /// of the group (max.poll.interval.ms) and misses its rebalances.
  caf::timespan keepalive_interval = std::chrono::seconds{1};
  /// What its spans say about its group and database (tracing on).
  worker_trace_settings trace{};
};

/// What a worker talks to, each behind an interface so tests use fakes.
struct worker_dependencies {
  /// Request records (a group consumer).
  std::shared_ptr<kafka::record_source> source;
  /// Outcome and dead-letter publisher, polled by the worker itself.
  std::shared_ptr<kafka::publisher> publisher;
  /// The operation: what each request record turns into.
  std::shared_ptr<record_handler> handler;
  /// Draws the retry jitter; empty means `make_random_fraction()`.
  random_fraction random;
  /// Where the worker's spans go; null: tracing is off.
  std::shared_ptr<tracing::tracer> tracer{};
};

/// Whether a record's outcome honours its `replyPartition` header.
enum class reply_steering {
  /// No header (e.g. the reference server): partitioned by key.
  none,
  /// Published to the partition the header names.
  steered,
  /// The header named no partition the outcome topic has: by key.
  fallback,
};

/// A request record whose publishes are in flight: the outcome, a dead
/// letter, or both. It completes with its last delivery report and commits
/// only when every publish was acknowledged.
struct pending_record {
  /// The request record.
  kafka::record source;
  /// What it counts as once done.
  record_outcome outcome = record_outcome::created;
  /// Whether one of the publishes is a dead letter.
  bool dead_letter = false;
  /// Publishes without a delivery report yet.
  size_t outstanding = 0;
  /// The first failed delivery, if any.
  caf::error failure;
  /// The partition's ownership epoch when processed: a revocation since
  /// makes the record someone else's (see `worker_state::epochs`).
  uint64_t epoch = 0;
  /// Where its outcome went.
  reply_steering steering = reply_steering::none;
  /// Its `process` span, open until every publish is decided (tracing on).
  tracing::span_ptr process_span{};
};

/// A delivery report, waiting to be applied by the worker (delivery
/// callbacks only queue; the worker applies on its turn).
struct finished_publish {
  /// The record the publish belongs to.
  std::shared_ptr<pending_record> record;
  /// Empty on acknowledgement.
  caf::error error;
};

/// State of a worker.
struct worker_state {
  // -- member variables -------------------------------------------------------

  /// Request records (a group consumer).
  std::shared_ptr<kafka::record_source> source;
  /// Outcome and dead-letter publisher, polled by this actor itself.
  std::shared_ptr<kafka::publisher> publisher;
  /// The operation: what each request record turns into.
  std::shared_ptr<record_handler> handler;
  /// Where spans go; null: tracing is off.
  std::shared_ptr<tracing::tracer> tracer{};
  /// Fixed settings.
  worker_settings cfg;
  /// Instruments in the process's registry (set at spawn).
  set_at_spawn<worker_metrics> metrics;
  /// Guards commits: only offsets whose outcomes are acknowledged commit.
  kafka::offset_tracker tracker;
  /// Records read but not yet processed, in order.
  std::deque<kafka::record> backlog;
  /// Filled by delivery callbacks, drained by the worker.
  std::shared_ptr<std::vector<finished_publish>> finished;
  /// Waits after the handler failed transiently (its database, say); reset
  /// once it decides a record again.
  retry_backoff handler_backoff;
  /// Waits after failed publishes; reset by an acknowledgement.
  retry_backoff publish_backoff;
  /// While backing off: when processing may resume.
  std::optional<caf::actor_clock::time_point> retry_at;
  /// When the consumer was last polled.
  caf::actor_clock::time_point last_poll;
  /// Per partition, how often it was revoked: a delivery report for a
  /// record of an earlier epoch must neither commit nor retry it.
  std::map<std::pair<std::string, int32_t>, uint64_t> epochs;
  /// Set when a steered publish failed: the partition it named may be gone
  /// (topic recreated smaller), so the next check asks the broker afresh
  /// instead of trusting the cached count.
  bool recheck_partition_count = false;

  /// The actor's name in logs.
  static inline const char* name = "worker";
};

/// The worker engine: consumes request records, hands them in batches to
/// an operation's `record_handler`, publishes what it decides (an outcome,
/// a dead letter, or both) and lets a record's offset commit only after the
/// broker acknowledged every publish for it (at-least-once).
///
/// - A request whose `replyPartition` header names a partition of the
///   outcome topic gets its outcome published to exactly that partition
///   (the domain event stays on the outcome topic, one write), so the
///   requesting server reads only its own partitions. A header that is not
///   a partition number, or names a partition the topic does not have
///   (checked against a cached partition count, before the handler runs),
///   is ignored: partitioned by key, as for a request without the header.
/// - Transient failures (of the handler, refused or lost publishes) are
///   retried after a capped, jittered exponential backoff; nothing is
///   skipped and the held records keep their order. The consumer is still
///   polled every `keepalive_interval` meanwhile; what arrives queues
///   behind.
/// - A publisher that fails for good (see `kafka::publisher::on_fatal`)
///   stops the worker with its error, the graceful way: no retry could
///   succeed, and only a stopped worker hands its partitions on.
///
/// Loops on `poll` messages to itself; spawn it `detached` in production,
/// since polls and database calls block.
poller_actor::behavior_type
worker_engine(poller_actor::stateful_pointer<worker_state> self,
              worker_dependencies deps, worker_metrics sink,
              worker_settings cfg);

} // namespace semiasync
