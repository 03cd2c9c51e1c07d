#pragma once

#include "domain/error.hpp"
#include "kafka/record.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace semiasync::kafka {

/// Called once per published record with the broker's verdict: an empty
/// error on acknowledgement, and then where the record landed (unknown
/// fields -1 otherwise). Runs on whatever thread serves delivery reports
/// (`publisher::serve_delivery_reports` or a polling thread).
using delivery_callback
  = std::function<void(const caf::error&, const record_position&)>;

/// Called once when a publisher fails for good (librdkafka's fatal
/// idempotent-producer errors), with that error. Runs on whatever thread
/// serves delivery reports, or on the registering thread when the failure
/// came first. Must not throw.
using fatal_callback = std::function<void(const caf::error&)>;

/// Publishes records; actors depend on this, not on librdkafka.
class publisher {
public:
  virtual ~publisher() = default;

  /// Queues `rec` without blocking. `on_delivery` runs exactly once, later,
  /// unless this returns an error (queue full, unknown topic), in which case
  /// it never runs.
  virtual caf::error publish(outgoing_record rec, delivery_callback on_delivery)
    = 0;

  /// Runs due delivery callbacks on the calling thread, waiting at most
  /// `timeout` for the first.
  virtual void serve_delivery_reports(std::chrono::milliseconds timeout) = 0;

  /// Waits up to `timeout` for every queued record to be delivered or failed.
  virtual caf::error flush(std::chrono::milliseconds timeout) = 0;

  /// How many partitions `topic` has, from a cache no older than `max_age`
  /// (refreshed from the broker, blocking briefly, when older). Lets a
  /// caller check an explicit partition before publishing to it. An error
  /// means "unknown" (broker unreachable, or a publisher that cannot tell).
  virtual caf::expected<int32_t>
  partition_count(const std::string& topic, std::chrono::milliseconds max_age) {
    static_cast<void>(topic);
    static_cast<void>(max_age);
    return make_error(error_code::broker_unavailable,
                      "this publisher does not know partition counts");
  }

  /// The error that ended this publisher for good, or an empty error while
  /// it works. Once set, it stays: every later publish fails with it, and
  /// only a new publisher (a restart) recovers. Any thread, never blocks.
  virtual caf::error fatal_error() const {
    return {};
  }

  /// Has `callback` run once when the publisher fails for good: at once if
  /// it did already. Publishers that cannot fail for good never call it.
  virtual void on_fatal(fatal_callback callback) {
    static_cast<void>(callback);
  }
};

/// Told about each partition a rebalance takes away, so that in-flight
/// bookkeeping (see `offset_tracker`) can forget it. Runs inside `poll`.
using revocation_handler
  = std::function<void(const std::string& topic, int32_t partition)>;

/// Reads records for a consumer actor; actors depend on this, not on
/// librdkafka.
class record_source {
public:
  virtual ~record_source() = default;

  /// Up to `max` records, waiting at most `timeout` for the first. An error
  /// is a transient broker problem; the source keeps trying on later calls.
  virtual caf::expected<std::vector<record>>
  poll(size_t max, std::chrono::milliseconds timeout) = 0;

  /// Marks every record of `partition` up to and including `offset` as
  /// processed, so offset + 1 gets committed. Call only once the outcomes of
  /// all those records are safe (at-least-once), in increasing order.
  virtual caf::error mark_done(const std::string& topic, int32_t partition,
                               int64_t offset)
    = 0;

  /// True once the source has partitions to read (assignment done).
  virtual bool assigned() const = 0;

  /// Sets the handler for partitions a rebalance takes away; call before the
  /// first `poll`.
  virtual void on_revoked(revocation_handler handler) = 0;

  /// Records on the assigned partitions not yet read by this source, summed
  /// over the partitions whose read position and end offset the client has
  /// cached (it never asks the broker), so 0 until the first fetches. Any
  /// thread, never blocks: for metrics read at scrape time. Sources that
  /// cannot tell answer 0.
  virtual int64_t lag() const {
    return 0;
  }

  /// For a reader of every partition of a topic: assigns the partitions the
  /// topic gained since the last look, from their beginning (their first
  /// records were written before this reader knew them), and returns them.
  /// May block up to `timeout` asking the broker. Sources with a fixed set
  /// of partitions (group members, readers of chosen partitions) return
  /// nothing.
  virtual caf::expected<std::vector<int32_t>>
  extend_assignment(std::chrono::milliseconds timeout) {
    static_cast<void>(timeout);
    return std::vector<int32_t>{};
  }
};

} // namespace semiasync::kafka
