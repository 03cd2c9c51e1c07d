#pragma once

#include "actors/protocol.hpp"
#include "domain/user_repository.hpp"
#include "domain/uuid.hpp"
#include "kafka/interfaces.hpp"
#include "kafka/offset_tracker.hpp"

#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace semiasync {

/// Fixed settings of a worker.
struct worker_settings {
  /// Where outcomes go.
  std::string outcome_topic;
  /// Where undecodable or unprocessable requests go.
  std::string dead_letter_topic;
  /// How long one poll may block (the worker runs on its own thread).
  caf::timespan poll_timeout;
  /// First wait after a transient failure; doubles up to `max_backoff`.
  caf::timespan min_backoff;
  /// Longest wait between retries.
  caf::timespan max_backoff;
  /// Most records taken per poll.
  size_t batch_size = 256;
};

/// What the worker has done, for metrics and tests.
struct worker_stats {
  /// Outcomes acknowledged by the broker, by type.
  uint64_t created = 0;
  /// Outcomes acknowledged by the broker, by type.
  uint64_t duplicated = 0;
  /// Records moved to the dead-letter topic.
  uint64_t dead_lettered = 0;
  /// Transient failures that led to a retry.
  uint64_t retries = 0;
};

/// A publish whose delivery report arrived, waiting to be applied by the
/// worker (delivery callbacks only queue; the worker applies on its turn).
struct finished_publish {
  /// The request record the publish answers.
  kafka::record source;
  /// Empty on acknowledgement.
  caf::error error;
  /// Which counter an acknowledgement bumps.
  uint64_t worker_stats::*counter;
};

/// State of a worker.
struct worker_state {
  // -- member variables -------------------------------------------------------

  /// Request records (a group consumer).
  std::shared_ptr<kafka::record_source> source;
  /// Outcome and dead-letter publisher, polled by this actor itself.
  std::shared_ptr<kafka::publisher> publisher;
  /// The users table.
  std::shared_ptr<user_repository> users;
  /// User IDs for new rows.
  std::shared_ptr<uuid_source> ids;
  /// Fixed settings.
  worker_settings cfg;
  /// Guards commits: only offsets whose outcomes are acknowledged commit.
  kafka::offset_tracker tracker;
  /// Records read but not yet processed, in order.
  std::deque<kafka::record> backlog;
  /// Filled by delivery callbacks, drained by the worker.
  std::shared_ptr<std::vector<finished_publish>> finished;
  /// The current retry wait; zero while healthy.
  caf::timespan backoff{0};
  /// Counters.
  worker_stats stats;

  /// The actor's name in logs.
  static inline const char* name = "worker";
};

/// Consumes create-user requests, runs the create-user rule against the
/// database, publishes the outcome and lets the record's offset commit only
/// after the broker acknowledged that outcome (at-least-once). Undecodable
/// records go to the dead-letter topic; transient failures are retried with
/// capped exponential backoff, never skipped. Loops on `poll` messages to
/// itself; spawn it `detached` in production, since polls and database calls
/// block.
poller_actor::behavior_type
worker(poller_actor::stateful_pointer<worker_state> self,
       std::shared_ptr<kafka::record_source> source,
       std::shared_ptr<kafka::publisher> publisher,
       std::shared_ptr<user_repository> users, std::shared_ptr<uuid_source> ids,
       worker_settings cfg);

} // namespace semiasync
