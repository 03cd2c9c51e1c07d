#pragma once

#include "kafka/interfaces.hpp"
#include "metrics/registry.hpp"

#include <memory>

namespace semiasync {

/// The worker's instruments: references into a `metrics::registry` that
/// outlives the worker. Tests keep the registry and read the values.
struct worker_metrics {
  /// semiasync_worker_records_total{outcome="created"}: records finished
  /// (every publish for them acknowledged) with a UserCreated outcome.
  metrics::counter& created;
  /// ... {outcome="duplicated"}: finished with UserDuplicated.
  metrics::counter& duplicated;
  /// ... {outcome="rejected"}: finished with UserRejected (some were also
  /// dead-lettered).
  metrics::counter& rejected;
  /// ... {outcome="dead_lettered"}: finished with only a dead letter (no
  /// request ID to answer).
  metrics::counter& dead_lettered;
  /// semiasync_worker_retries_total{cause="database"}: attempts postponed
  /// because the database failed transiently.
  metrics::counter& database_retries;
  /// semiasync_worker_retries_total{cause="publish"}: records processed
  /// again because the broker refused or lost one of their publishes.
  metrics::counter& publish_retries;
  /// semiasync_worker_dead_letters_total: acknowledged dead letters.
  metrics::counter& dead_letters;
  /// semiasync_worker_batch_size: records per non-empty poll.
  metrics::histogram& batch_size;
  /// semiasync_worker_reply_partitions_total{result="steered"}: finished
  /// records whose outcome went to the partition their `replyPartition`
  /// header named.
  metrics::counter& replies_steered;
  /// ... {result="fallback"}: finished records whose header named no valid
  /// partition, so their outcome was partitioned by key.
  metrics::counter& replies_unsteerable;

  /// Finds or creates the worker's families in `reg`, every label value
  /// included, so each series shows 0 before its first event.
  static worker_metrics register_in(metrics::registry& reg);
};

/// Adds the gauge semiasync_worker_consumer_lag, read from `source` at each
/// scrape. Holds it weakly: once the worker dropped it, the gauge reads 0
/// and never keeps the consumer (and its group membership) alive.
void add_consumer_lag(metrics::registry& reg,
                      std::weak_ptr<const kafka::record_source> source);

} // namespace semiasync
