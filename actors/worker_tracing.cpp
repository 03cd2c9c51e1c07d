#include "actors/worker_tracing.hpp"

#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

#include "tracing/kafka_spans.hpp"
#include "tracing/trace_headers.hpp"

namespace semiasync {

namespace {

/// The database span of a record's decision, child of its `process` span.
tracing::span_ptr open_database_span(tracing::tracer& tracer,
                                     const worker_trace_settings& cfg,
                                     const tracing::span_ptr& process,
                                     size_t batch_size) {
  tracing::span_start what;
  what.name = cfg.db_operation + " " + cfg.db_namespace;
  what.kind = tracing::span_kind::client;
  what.parent = process->context();
  what.attributes = {
    {"db.system", cfg.db_system},
    {"db.namespace", cfg.db_namespace},
    {"db.operation.name", cfg.db_operation},
    // Every record's span covers the handler's whole call. Our own key, not
    // `db.operation.batch.size` (the number of queries in one batch
    // operation, never 1): how many records the handler was given
    // together; its transaction decided them together or one by one, as
    // the handler chose.
    {"semiasync.batch.size", static_cast<int64_t>(batch_size)},
  };
  return tracer.start(std::move(what));
}

} // namespace

std::string_view conversation_of(const kafka::record& rec) {
  return rec.message.header_value(request_uuid_header).value_or("");
}

batch_spans open_batch_spans(tracing::tracer& tracer,
                             const worker_trace_settings& cfg,
                             std::deque<kafka::record>& backlog, size_t n) {
  batch_spans result;
  std::vector<std::optional<tracing::span_context>> carried;
  std::vector<tracing::span_context> links;
  carried.reserve(n);
  // Whether any record starts a trace here or continues a sampled one.
  bool recorded = false;
  for (size_t i = 0; i < n; ++i) {
    carried.push_back(tracing::context_of(backlog[i].message));
    if (carried.back()) links.push_back(*carried.back());
    recorded = recorded || !carried.back() || carried.back()->sampled();
  }
  // The batch span is a root, which a parent-based sampler records on its
  // own: when every record belongs to a trace its caller chose not to
  // record, it would export one span per batch that links only to spans
  // nobody has.
  if (recorded)
    result.batch = tracer.start(tracing::kafka_process_batch(
      backlog.front().topic, cfg.group, n, std::move(links)));
  result.records.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto& rec = backlog[i];
    auto what = tracing::kafka_process({.topic = rec.topic,
                                        .conversation_id = conversation_of(rec),
                                        .partition = rec.partition,
                                        .offset = rec.offset},
                                       carried[i], cfg.group);
    if (result.batch) what.links.push_back(result.batch->context());
    auto span = tracer.start(std::move(what));
    rec.trace = span->context();
    if (!cfg.db_system.empty())
      result.database.push_back(open_database_span(tracer, cfg, span, n));
    result.records.push_back(std::move(span));
  }
  return result;
}

void close_decision_spans(batch_spans& spans, size_t decided,
                          const caf::error& failure) {
  for (size_t i = 0; i < spans.records.size(); ++i) {
    auto* db = i < spans.database.size() ? spans.database[i].get() : nullptr;
    if (i >= decided) {
      // Not decided this time: the engine retries it after a wait, in a
      // new `process` span.
      auto type = failure ? kind_of(failure) : "not_decided";
      auto why = failure ? reason_of(failure) : "not decided in this batch";
      if (db) db->fail(type, why);
      spans.records[i]->fail(type, why);
      spans.records[i]->end();
    }
    if (db) db->end();
  }
  if (spans.batch) spans.batch->end();
}

tracing::span_ptr open_send_span(tracing::tracer& tracer,
                                 const tracing::span_ptr& process,
                                 const kafka::record& source,
                                 kafka::outgoing_record& out) {
  auto span = tracer.start(
    tracing::kafka_send({.topic = out.topic,
                         .conversation_id = conversation_of(source),
                         .partition = out.partition},
                        process->context()));
  tracing::put_context(out.message, span->context());
  return span;
}

} // namespace semiasync
