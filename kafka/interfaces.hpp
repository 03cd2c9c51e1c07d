#pragma once

#include "kafka/record.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace semiasync::kafka {

/// Called once per published record with the broker's verdict: an empty
/// error on acknowledgement. Runs on whatever thread serves delivery reports
/// (`publisher::serve_delivery_reports` or a polling thread).
using delivery_callback = std::function<void(const caf::error&)>;

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
};

} // namespace semiasync::kafka
