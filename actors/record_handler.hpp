#pragma once

// The seam between the worker engine (actors/worker_engine.hpp), which owns the
// at-least-once machinery, and an operation: what one operation makes of a
// batch of request records. A new operation is a new handler; the engine's
// polling, publishing, retries and commits stay as they are.

#include "kafka/record.hpp"
#include "kafka/wire_message.hpp"

#include <caf/error.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace semiasync {

/// How a record counts once done, for the worker's records counter.
enum class record_outcome { created, duplicated, rejected, dead_lettered };

/// What a handler made of one request record.
struct verdict {
  /// The outcome event to publish on the outcome topic, to the partition
  /// the request asked for; empty when the requester cannot be answered
  /// (a record that names no request).
  std::optional<wire_message> answer;
  /// Why the record also goes to the dead-letter topic, for a human;
  /// empty when it does not.
  std::optional<std::string> dead_letter_reason;
  /// How the record counts once every publish is acknowledged.
  record_outcome counts_as = record_outcome::created;
};

/// What a handler made of the front of a batch.
struct handled_batch {
  /// Verdicts for the first `verdicts.size()` records, in order; their
  /// state changes are durable (committed) when `handle` returns.
  std::vector<verdict> verdicts;
  /// Why the record after them could not be decided: a transient failure
  /// (see `is_transient`), retried by the engine after a back-off.
  caf::error failure;
};

/// Records handed to a handler: the front of the engine's backlog, valid
/// for the duration of the `handle` call only.
using record_batch = std::vector<std::reference_wrapper<const kafka::record>>;

/// One operation behind the worker engine. Runs on the engine's thread,
/// which is built for blocking (database calls are fine here). Must be
/// idempotent per request: after a crash or a failed publish the engine
/// hands the same records again, and each must get the same verdict.
class record_handler {
public:
  virtual ~record_handler() = default;

  /// Decides `records` in order, making each one's state change durable,
  /// until all are decided or one fails transiently: at most one verdict
  /// per record. Keeps no reference to `records` beyond the call.
  virtual handled_batch handle(const record_batch& records) = 0;
};

} // namespace semiasync
