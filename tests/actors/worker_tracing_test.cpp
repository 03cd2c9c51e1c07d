// The worker engine's spans, recorded by the real OpenTelemetry SDK into
// memory, with fake Kafka and a scripted handler: the batch span linking
// the carried contexts, a process span per record continuing its trace, the
// database spans, the send spans whose contexts the outcomes carry, and
// what failures do to them.

#include "actors/worker_engine.hpp"
#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_kafka.hpp"
#include "tests/support/ids.hpp"
#include "tracing/recording_tracer.hpp"
#include "tracing/trace_headers.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace semiasync::tracing;
using namespace std::chrono_literals;

namespace {

constexpr auto min_backoff = std::chrono::milliseconds{100};
constexpr auto max_backoff = std::chrono::milliseconds{400};

/// Enough steps for the worker to handle one poll's worth of work.
constexpr size_t steps = 4;

/// Two contexts from different traces, as two servers would send them.
const std::string trace_a = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string span_a = "00f067aa0ba902b7";
const std::string trace_b = "0af7651916cd43dd8448eb211c80319c";
const std::string span_b = "b7ad6b7169203331";

std::string traceparent(const std::string& trace, const std::string& span,
                        bool sampled = true) {
  return "00-" + trace + "-" + span + (sampled ? "-01" : "-00");
}

/// A request record for request `n` at `offset`, carrying `parent` as its
/// traceparent when given.
kafka::record traced_record(int64_t offset, int n,
                            std::optional<std::string> parent = {}) {
  wire_message message{"key-" + std::to_string(n),
                       "{}",
                       {{"requestUUID", numbered_request_id(n).value}}};
  if (parent) message.headers.push_back({"traceparent", *parent});
  kafka::record rec;
  rec.topic = "requests";
  rec.offset = offset;
  rec.message = std::move(message);
  return rec;
}

/// The answer a handler publishes for `rec`.
wire_message answer_for(const kafka::record& rec) {
  return {rec.message.key, "{}", {{"eventType", "UserCreated"}}};
}

/// A handler whose verdicts the test scripts; it keeps the span context
/// each record was marked with when handed over.
class scripted_handler final : public record_handler {
public:
  handled_batch handle(const record_batch& records) override {
    for (const auto& rec : records)
      marks.push_back(rec.get().trace);
    if (decide) return decide(records);
    handled_batch result;
    for (const auto& rec : records)
      result.verdicts.push_back(
        {answer_for(rec.get()), std::nullopt, record_outcome::created});
    return result;
  }

  /// Decides a batch; empty: every record is created with an answer.
  std::function<handled_batch(const record_batch&)> decide;

  /// `kafka::record::trace` of every record handed over, in order.
  std::vector<std::optional<span_context>> marks;
};

worker_settings traced_settings() {
  worker_settings cfg;
  cfg.outcome_topic = "outcomes";
  cfg.dead_letter_topic = "requests.dlq";
  cfg.min_backoff = min_backoff;
  cfg.max_backoff = max_backoff;
  cfg.batch_size = 16;
  cfg.trace = {"semiasync-worker", "mysql", "app", "create_user"};
  return cfg;
}

/// The tracer, a base of the fixture so that it outlives the worker (whose
/// open spans end when its state goes).
struct tracer_holder {
  std::shared_ptr<recording_tracer> tracer
    = std::make_shared<recording_tracer>();
};

struct traced_worker_fixture : tracer_holder, actor_fixture {
  explicit traced_worker_fixture(worker_settings cfg = traced_settings())
    : source(std::make_shared<fake_record_source>()),
      publisher(std::make_shared<fake_publisher>()),
      handler(std::make_shared<scripted_handler>()),
      sink(worker_metrics::register_in(registry)) {
    worker_dependencies deps{source, publisher, handler,
                             [] {
                               return 1.0;
                             },
                             tracer};
    handle = sys.spawn(worker_engine, deps, sink, cfg);
  }

  ~traced_worker_fixture() {
    caf::anon_send_exit(handle, caf::exit_reason::kill);
    sched.run(steps);
  }

  /// Every span that ended so far.
  const std::vector<recorded_span>& ended() {
    auto now = tracer->take();
    all.insert(all.end(), now.begin(), now.end());
    return all;
  }

  /// The ended spans named `name`, in the order they ended.
  std::vector<recorded_span> named(const std::string& name) {
    std::vector<recorded_span> result;
    for (const auto& s : ended())
      if (s.name == name) result.push_back(s);
    return result;
  }

  /// The ended span with ID `span_id`; fails the test unless there is one.
  recorded_span with_id(const std::string& span_id) {
    for (const auto& s : ended())
      if (s.span_id == span_id) return s;
    FAIL("no ended span " << span_id);
    return {};
  }

  /// The ended `process requests` spans of single records (not the
  /// batch's), by offset.
  std::map<int64_t, std::vector<recorded_span>> process_spans() {
    std::map<int64_t, std::vector<recorded_span>> result;
    for (const auto& s : named("process requests"))
      if (s.attributes.count("messaging.kafka.offset"))
        result[std::get<int64_t>(s.attributes.at("messaging.kafka.offset"))]
          .push_back(s);
    return result;
  }

  /// The ended batch spans.
  std::vector<recorded_span> batch_spans() {
    std::vector<recorded_span> result;
    for (const auto& s : named("process requests"))
      if (s.attributes.count("messaging.batch.message_count"))
        result.push_back(s);
    return result;
  }

  /// The context the `i`th published record carries.
  span_context carried(size_t i) {
    auto context = context_of(publisher->published.at(i).record.message);
    REQUIRE(context);
    return *context;
  }

  std::shared_ptr<fake_record_source> source;
  std::shared_ptr<fake_publisher> publisher;
  std::shared_ptr<scripted_handler> handler;
  metrics::registry registry;
  worker_metrics sink;
  poller_actor handle;
  std::vector<recorded_span> all;
};

bool same_span(const span_context& context, const recorded_span& span) {
  return trace_id_hex(context) == span.trace_id
         && span_id_hex(context) == span.span_id;
}

} // namespace

TEST_CASE("tracing: a worker batch links the carried contexts and processes "
          "each record in its own trace") {
  traced_worker_fixture f;
  f.source->queue({traced_record(10, 1, traceparent(trace_a, span_a)),
                   traced_record(11, 2, traceparent(trace_b, span_b)),
                   traced_record(12, 3)});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 3);
  // The handler saw every record marked with a span of its own.
  REQUIRE(f.handler->marks.size() == 3);
  for (const auto& mark : f.handler->marks) {
    REQUIRE(mark);
    CHECK(mark->valid());
  }
  // The batch span and the database spans ended with the transaction.
  auto batches = f.batch_spans();
  REQUIRE(batches.size() == 1);
  auto& batch = batches.front();
  CHECK(batch.kind == span_kind::consumer);
  CHECK(batch.parent_span_id.empty());
  CHECK(batch.attributes.at("messaging.batch.message_count")
        == attribute_value{int64_t{3}});
  CHECK(batch.text("messaging.consumer.group.name") == "semiasync-worker");
  REQUIRE(batch.links.size() == 2);
  CHECK(trace_id_hex(batch.links[0]) == trace_a);
  CHECK(span_id_hex(batch.links[0]) == span_a);
  CHECK(trace_id_hex(batch.links[1]) == trace_b);
  CHECK(span_id_hex(batch.links[1]) == span_b);
  auto database = f.named("create_user app");
  REQUIRE(database.size() == 3);
  // The process spans stay open until the broker acknowledged.
  CHECK(f.process_spans().empty());
  for (size_t i = 0; i < 3; ++i)
    f.publisher->ack(i);
  f.run_steps(steps);
  auto processed = f.process_spans();
  REQUIRE(processed.size() == 3);
  const std::string carried_trace[] = {trace_a, trace_b, ""};
  const std::string carried_span[] = {span_a, span_b, ""};
  for (size_t i = 0; i < 3; ++i) {
    INFO("record " << i);
    auto offset = static_cast<int64_t>(10 + i);
    REQUIRE(processed[offset].size() == 1);
    auto& process = processed[offset].front();
    CHECK(process.kind == span_kind::consumer);
    CHECK(process.parent_span_id == carried_span[i]);
    if (!carried_trace[i].empty()) CHECK(process.trace_id == carried_trace[i]);
    CHECK(process.trace_id != batch.trace_id);
    REQUIRE(process.links.size() == 1);
    CHECK(same_span(process.links[0], batch));
    CHECK(process.text("messaging.message.conversation_id")
          == numbered_request_id(static_cast<int>(i) + 1).value);
    CHECK(process.text("messaging.destination.partition.id") == "0");
    CHECK(process.text("messaging.consumer.group.name") == "semiasync-worker");
    CHECK(process.text("semiasync.outcome") == "created");
    CHECK_FALSE(process.failed);
    // The record was marked with exactly this span while handled.
    CHECK(same_span(*f.handler->marks[i], process));
    // Its database span, a child.
    auto db = std::find_if(database.begin(), database.end(),
                           [&](const recorded_span& s) {
                             return s.parent_span_id == process.span_id;
                           });
    REQUIRE(db != database.end());
    CHECK(db->kind == span_kind::client);
    CHECK(db->trace_id == process.trace_id);
    CHECK(db->text("db.system") == "mysql");
    CHECK(db->text("db.namespace") == "app");
    CHECK(db->text("db.operation.name") == "create_user");
    REQUIRE(db->attributes.count("semiasync.batch.size") == 1);
    CHECK(db->attributes.at("semiasync.batch.size")
          == attribute_value{int64_t{3}});
    CHECK(db->attributes.count("db.operation.batch.size") == 0);
    CHECK_FALSE(db->failed);
    // Its outcome carries a send span under it.
    auto& out = f.publisher->published[i].record;
    CHECK(out.topic == "outcomes");
    auto send = f.with_id(span_id_hex(f.carried(i)));
    CHECK(send.name == "send outcomes");
    CHECK(send.kind == span_kind::producer);
    CHECK(send.parent_span_id == process.span_id);
    CHECK(send.trace_id == process.trace_id);
    CHECK(send.text("messaging.kafka.offset") == std::to_string(i));
    CHECK(send.text("messaging.message.conversation_id")
          == process.text("messaging.message.conversation_id"));
    CHECK_FALSE(send.failed);
  }
}

TEST_CASE("tracing: a worker without a database or group records neither") {
  auto cfg = traced_settings();
  cfg.trace = {};
  traced_worker_fixture f{cfg};
  f.source->queue({traced_record(1, 1), traced_record(2, 2)});
  f.run_steps(steps);
  f.publisher->ack(0);
  f.publisher->ack(1);
  f.run_steps(steps);
  CHECK(f.ended().size() == 1 + 2 + 2); // batch, process, send
  auto batches = f.batch_spans();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].links.empty());
  CHECK(batches[0].text("messaging.consumer.group.name").empty());
  for (auto& [offset, spans] : f.process_spans()) {
    REQUIRE(spans.size() == 1);
    CHECK(spans[0].parent_span_id.empty());
  }
}

TEST_CASE("tracing: a dead-lettered record fails its process span and sends "
          "to the dead-letter topic under it") {
  traced_worker_fixture f;
  f.handler->decide = [](const record_batch& records) {
    handled_batch result;
    for (size_t i = 0; i < records.size(); ++i)
      result.verdicts.push_back({std::nullopt, std::string{"not a request"},
                                 record_outcome::dead_lettered});
    return result;
  };
  f.source->queue({traced_record(5, 1, traceparent(trace_a, span_a))});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  CHECK(f.publisher->published[0].record.topic == "requests.dlq");
  f.publisher->ack(0);
  f.run_steps(steps);
  auto processed = f.process_spans();
  REQUIRE(processed[5].size() == 1);
  auto& process = processed[5].front();
  CHECK(process.failed);
  CHECK(process.text("error.type") == "dead_lettered");
  CHECK(process.status_description == "not a request");
  CHECK(process.text("semiasync.outcome") == "dead_lettered");
  CHECK(process.trace_id == trace_a);
  auto sends = f.named("send requests.dlq");
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].parent_span_id == process.span_id);
  CHECK(same_span(f.carried(0), sends[0]));
  CHECK_FALSE(sends[0].failed);
}

TEST_CASE("tracing: records a transient failure left undecided fail their "
          "spans and are processed again in new ones") {
  traced_worker_fixture f;
  bool failing = true;
  f.handler->decide = [&failing](const record_batch& records) {
    handled_batch result;
    for (const auto& rec : records) {
      if (failing && !result.verdicts.empty()) {
        result.failure
          = make_error(error_code::database_unavailable, "lock wait timeout");
        break;
      }
      result.verdicts.push_back(
        {answer_for(rec.get()), std::nullopt, record_outcome::created});
    }
    return result;
  };
  f.source->queue({traced_record(1, 1),
                   traced_record(2, 2, traceparent(trace_a, span_a)),
                   traced_record(3, 3)});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  auto database = f.named("create_user app");
  REQUIRE(database.size() == 3);
  auto undecided = f.process_spans();
  // The decided record's span waits for its delivery report.
  CHECK(undecided.count(1) == 0);
  for (int64_t offset : {2, 3}) {
    INFO("offset " << offset);
    REQUIRE(undecided[offset].size() == 1);
    auto& process = undecided[offset].front();
    CHECK(process.failed);
    CHECK(process.text("error.type") == "database_unavailable");
    CHECK(process.status_description == "lock wait timeout");
    auto db = std::find_if(database.begin(), database.end(),
                           [&](const recorded_span& s) {
                             return s.parent_span_id == process.span_id;
                           });
    REQUIRE(db != database.end());
    CHECK(db->failed);
    CHECK(db->text("error.type") == "database_unavailable");
  }
  // The decided record's database span succeeded.
  auto decided_db = std::find_if(
    database.begin(), database.end(), [&](const recorded_span& s) {
      return s.parent_span_id == span_id_hex(*f.handler->marks[0]);
    });
  REQUIRE(decided_db != database.end());
  CHECK_FALSE(decided_db->failed);
  CHECK(undecided[2].front().trace_id == trace_a);
  // After the wait, the two are handed over again, each in a new span of
  // the same trace.
  failing = false;
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 3);
  REQUIRE(f.handler->marks.size() == 5);
  CHECK(span_id_hex(*f.handler->marks[3]) != undecided[2].front().span_id);
  CHECK(trace_id_hex(*f.handler->marks[3]) == trace_a);
  for (size_t i = 0; i < 3; ++i)
    f.publisher->ack(i);
  f.run_steps(steps);
  auto processed = f.process_spans();
  REQUIRE(processed[2].size() == 2);
  auto& again = processed[2].back();
  CHECK_FALSE(again.failed);
  CHECK(again.parent_span_id == span_a);
  CHECK(same_span(*f.handler->marks[3], again));
  REQUIRE(processed[1].size() == 1);
  CHECK_FALSE(processed[1].front().failed);
}

TEST_CASE("tracing: a failed delivery fails the process span; the retry "
          "processes the record in a new one") {
  traced_worker_fixture f;
  f.source->queue({traced_record(7, 1, traceparent(trace_b, span_b))});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  auto first_send = span_id_hex(f.carried(0));
  f.publisher->fail(0, make_error(error_code::publish_failed, "timed out"));
  f.run_steps(steps);
  auto processed = f.process_spans();
  REQUIRE(processed[7].size() == 1);
  auto failed = processed[7].front();
  CHECK(failed.failed);
  CHECK(failed.text("error.type") == "publish_failed");
  CHECK(failed.status_description == "timed out");
  auto send = f.with_id(first_send);
  CHECK(send.failed);
  CHECK(send.parent_span_id == failed.span_id);
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  f.publisher->ack(1);
  f.run_steps(steps);
  processed = f.process_spans();
  REQUIRE(processed[7].size() == 2);
  auto& retried = processed[7].back();
  CHECK_FALSE(retried.failed);
  CHECK(retried.span_id != failed.span_id);
  CHECK(retried.trace_id == trace_b);
  CHECK(retried.parent_span_id == span_b);
  CHECK(retried.text("semiasync.outcome") == "created");
  auto second_send = f.with_id(span_id_hex(f.carried(1)));
  CHECK(second_send.parent_span_id == retried.span_id);
  CHECK_FALSE(second_send.failed);
  REQUIRE(f.source->marked().size() == 1);
}

TEST_CASE("tracing: a refused publish fails the process spans of the "
          "records behind it, which are decided again") {
  traced_worker_fixture f;
  f.publisher->refuse_next
    = make_error(error_code::publish_failed, "queue full");
  f.source->queue(
    {traced_record(1, 1), traced_record(2, 2), traced_record(3, 3)});
  f.run_steps(steps);
  CHECK(f.publisher->published.empty());
  auto processed = f.process_spans();
  for (int64_t offset : {2, 3}) {
    INFO("offset " << offset);
    REQUIRE(processed[offset].size() == 1);
    CHECK(processed[offset].front().failed);
    CHECK(processed[offset].front().text("error.type") == "publish_refused");
  }
  // The refused record's own span fails with its report, on the next turn;
  // after the wait all three are decided again and published.
  f.sched.advance_time(max_backoff);
  f.run_steps(steps);
  processed = f.process_spans();
  REQUIRE(processed[1].size() == 1);
  CHECK(processed[1].front().failed);
  CHECK(processed[1].front().text("error.type") == "publish_failed");
  CHECK(f.publisher->published.size() == 3);
}

TEST_CASE("tracing: a record whose partition was revoked before its "
          "delivery report ends its process span as revoked") {
  traced_worker_fixture f;
  f.source->queue({traced_record(5, 1, traceparent(trace_a, span_a))});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  CHECK(f.process_spans().empty());
  f.source->revoke("requests", 0);
  f.publisher->ack(0);
  f.run_steps(steps);
  CHECK(f.source->marked().empty());
  auto processed = f.process_spans();
  REQUIRE(processed[5].size() == 1);
  auto& process = processed[5].front();
  CHECK(process.text("semiasync.outcome") == "revoked");
  CHECK_FALSE(process.failed);
  CHECK(process.trace_id == trace_a);
}

TEST_CASE("tracing: a batch whose records all carry unsampled contexts "
          "records no batch span") {
  traced_worker_fixture f;
  SECTION("every record unsampled: no batch span, no link to one") {
    f.source->queue({traced_record(1, 1, traceparent(trace_a, span_a, false)),
                     traced_record(2, 2, traceparent(trace_b, span_b, false))});
    f.run_steps(steps);
    REQUIRE(f.publisher->published.size() == 2);
    // The worker's spans of these records are not sampled either; their
    // outcomes still carry the trace on.
    for (size_t i = 0; i < 2; ++i) {
      CHECK(f.carried(i).valid());
      CHECK_FALSE(f.carried(i).sampled());
    }
    f.publisher->ack(0);
    f.publisher->ack(1);
    f.run_steps(steps);
    CHECK(f.batch_spans().empty());
    CHECK(f.ended().empty());
  }
  SECTION("one sampled record keeps the batch span") {
    f.source->queue({traced_record(1, 1, traceparent(trace_a, span_a, false)),
                     traced_record(2, 2, traceparent(trace_b, span_b))});
    f.run_steps(steps);
    auto batches = f.batch_spans();
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].links.size() == 2);
  }
  SECTION("one record without a context keeps the batch span") {
    f.source->queue({traced_record(1, 1, traceparent(trace_a, span_a, false)),
                     traced_record(2, 2)});
    f.run_steps(steps);
    auto batches = f.batch_spans();
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].links.size() == 1);
  }
}

TEST_CASE("tracing: a worker without a tracer marks no record and adds no "
          "traceparent") {
  auto source = std::make_shared<fake_record_source>();
  auto publisher = std::make_shared<fake_publisher>();
  auto handler = std::make_shared<scripted_handler>();
  actor_fixture f;
  metrics::registry registry;
  auto sink = worker_metrics::register_in(registry);
  auto handle = f.sys.spawn(worker_engine,
                            worker_dependencies{source, publisher, handler,
                                                [] {
                                                  return 1.0;
                                                },
                                                nullptr},
                            sink, traced_settings());
  source->queue({traced_record(1, 1, traceparent(trace_a, span_a))});
  f.run_steps(steps);
  REQUIRE(publisher->published.size() == 1);
  REQUIRE(handler->marks.size() == 1);
  CHECK_FALSE(handler->marks[0]);
  CHECK_FALSE(context_of(publisher->published[0].record.message));
  caf::anon_send_exit(handle, caf::exit_reason::kill);
  f.run_steps(steps);
}
