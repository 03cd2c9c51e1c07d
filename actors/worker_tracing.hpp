#pragma once

// The worker's spans (tracing on only), kept out of the engine's loop: per
// batch, a consumer span linking every record's context; per record, a
// `process` span continuing the record's trace, a database span for the
// transaction that decided it, and a `send` span per publish.

#include "kafka/record.hpp"

#include <caf/error.hpp>

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "tracing/tracer.hpp"

namespace semiasync {

/// What the worker's spans say about its group and its database.
struct worker_trace_settings {
  /// The consumer group (`messaging.consumer.group.name`).
  std::string group;
  /// `db.system` of the operation's database, e.g. `mariadb`; empty: the
  /// operation has no database span.
  std::string db_system;
  /// `db.namespace`: the database's name.
  std::string db_namespace;
  /// `db.operation.name`: what the transaction does, e.g. `create_user`.
  std::string db_operation;
};

/// The open spans of the batch at the front of the backlog.
struct batch_spans {
  /// The batch's consumer span; null when every record carried an
  /// unsampled context (see `open_batch_spans`).
  tracing::span_ptr batch;
  /// Per record, in order: its `process` span.
  std::vector<tracing::span_ptr> records;
  /// Per record, in order: its database span (empty without a database).
  std::vector<tracing::span_ptr> database;
};

/// Opens the spans of the first `n` records of `backlog`, and marks each
/// record with its `process` span (`kafka::record::trace`), which its log
/// lines name. The batch span (and the records' links to it) is left out
/// when every record carried a context and none of them is sampled.
batch_spans open_batch_spans(tracing::tracer& tracer,
                             const worker_trace_settings& cfg,
                             std::deque<kafka::record>& backlog, size_t n);

/// Ends the database spans once the handler returned: the first `decided`
/// records' succeeded; the others' fail with `failure` (and so do their
/// `process` spans: they are decided again after a wait). Ends the batch
/// span.
void close_decision_spans(batch_spans& spans, size_t decided,
                          const caf::error& failure);

/// Opens the `send` span of one publish for a record, child of its
/// `process` span, and puts the span's context into the outgoing record's
/// headers (the server continues the trace from there).
tracing::span_ptr open_send_span(tracing::tracer& tracer,
                                 const tracing::span_ptr& process,
                                 const kafka::record& source,
                                 kafka::outgoing_record& out);

/// The request ID a record names (`requestUUID`), for
/// `messaging.message.conversation_id`; empty when it names none.
std::string_view conversation_of(const kafka::record& rec);

} // namespace semiasync
