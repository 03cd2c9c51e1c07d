// Traces as a collector sees them: a server and a worker export to
// scripts/otlp-receiver (started here, on a port of its own), and the spans
// of one create-user request must form one trace across HTTP, Kafka, the
// worker's database transaction and back, as docs/design/issue18 describes.
// The receiver needs Debian's /usr/bin/python3 with python3-opentelemetry-
// proto (scripts/install-deps); without them this test fails, it never
// skips: a trace test that passes by not running proves nothing.

#include "domain/uuid.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "tests/integration/checks.hpp"
#include "tests/integration/pipeline.hpp"
#include "tests/integration/stack.hpp"

#ifndef SEMIASYNC_ROOT
#  error "SEMIASYNC_ROOT must name the source tree (scripts/otlp-receiver)"
#endif
#ifndef SEMIASYNC_IT_LOG_DIR
#  error "SEMIASYNC_IT_LOG_DIR must name a directory for process logs"
#endif

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

/// The exporters send every second; a whole request's spans are in within
/// a few.
constexpr auto span_timeout = 15s;

const std::string server_service = "it-tracing-server";
const std::string worker_service = "it-tracing-worker";

std::string log_path(const std::string& label) {
  std::filesystem::create_directories(SEMIASYNC_IT_LOG_DIR);
  return std::string{SEMIASYNC_IT_LOG_DIR} + "/" + label + "-"
         + std::to_string(::getpid()) + ".log";
}

/// 2 * `bytes` random lower-case hex digits (at most 16 bytes).
std::string random_hex(size_t bytes) {
  auto text = random_uuid();
  text.erase(std::remove(text.begin(), text.end(), '-'), text.end());
  return text.substr(0, 2 * bytes);
}

/// A trace ID and the client's span ID in it, as a caller would send them.
struct client_trace {
  std::string trace_id = random_hex(16);
  std::string span_id = random_hex(8);

  std::string traceparent(bool sampled = true) const {
    return "00-" + trace_id + "-" + span_id + (sampled ? "-01" : "-00");
  }
};

/// scripts/otlp-receiver on a port the kernel picked, for this test alone.
class otlp_receiver {
public:
  otlp_receiver() {
    const std::string python = "/usr/bin/python3";
    if (::access(python.c_str(), X_OK) != 0)
      FAIL("the OTLP test receiver needs " << python
                                           << " (Debian's python3 with "
                                              "python3-opentelemetry-proto; "
                                              "scripts/install-deps installs "
                                              "them)");
    auto ready = log_path("otlp-receiver") + ".port";
    std::remove(ready.c_str());
    process_ = std::make_unique<child_process>(
      std::vector<std::string>{
        python, std::string{SEMIASYNC_ROOT} + "/scripts/otlp-receiver",
        "--port", "0", "--ready-file", ready},
      environment_overrides{}, log_path("otlp-receiver"));
    auto deadline = clock_type::now() + 15s;
    while (clock_type::now() < deadline && process_->running()) {
      std::ifstream in{ready};
      int port = 0;
      if (in >> port && port > 0) {
        port_ = static_cast<uint16_t>(port);
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    // Its log says why, e.g. that python3-opentelemetry-proto is missing.
    FAIL("scripts/otlp-receiver did not start ("
         << process_->describe_status()
         << "; it needs python3-opentelemetry-proto, which "
            "scripts/install-deps installs)\n"
         << process_->log_tail());
  }

  /// The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it.
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

  /// The spans of `trace_id` received so far.
  json spans(const std::string& trace_id) const {
    return get("/spans?trace_id=" + trace_id);
  }

  /// The export requests received so far: [{content_type, bytes, spans}].
  json requests() const {
    return get("/requests");
  }

  /// Where its output goes.
  const std::string& log_file() const {
    return process_->log_path();
  }

private:
  json get(const std::string& path) const {
    auto resp = http_send(port_, {"GET", path, {}, {}}, 5s);
    INFO("receiver answered " << resp.status << ": " << resp.body);
    REQUIRE(resp.status == 200);
    return json::parse(resp.body);
  }

  std::unique_ptr<child_process> process_;
  uint16_t port_ = 0;
};

/// The spans of `spans` from `service` named `name`.
std::vector<json> named(const json& spans, const std::string& service,
                        const std::string& name) {
  std::vector<json> result;
  for (const auto& s : spans)
    if (s.at("service") == service && s.at("name") == name) result.push_back(s);
  return result;
}

/// A span expected in a trace: from `service`, named `name`.
struct expected_span {
  std::string service;
  std::string name;
};

/// Polls until `trace_id` has every span of `expected`; returns its spans
/// then, failing with what did arrive when they do not within
/// `span_timeout`.
json wait_for_trace(const otlp_receiver& receiver, const std::string& trace_id,
                    const std::vector<expected_span>& expected) {
  auto deadline = clock_type::now() + span_timeout;
  json spans;
  for (;;) {
    spans = receiver.spans(trace_id);
    bool complete = true;
    for (const auto& e : expected)
      complete = complete && !named(spans, e.service, e.name).empty();
    if (complete) return spans;
    if (clock_type::now() >= deadline) break;
    std::this_thread::sleep_for(200ms);
  }
  std::ostringstream missing;
  for (const auto& e : expected)
    if (named(spans, e.service, e.name).empty())
      missing << " '" << e.name << "' of " << e.service << ";";
  FAIL("trace " << trace_id << " still misses" << missing.str() << " after "
                << span_timeout.count() << " s; it has " << spans.dump(1));
  return spans;
}

/// The one span of `service` named `name` in `spans`.
json one(const json& spans, const std::string& service,
         const std::string& name) {
  auto found = named(spans, service, name);
  INFO("spans '" << name << "' of " << service << " in " << spans.dump(1));
  REQUIRE(found.size() == 1);
  return found.front();
}

json attribute(const json& span, const std::string& key) {
  return span.at("attributes").value(key, json{});
}

bool failed(const json& span) {
  return span.at("status").at("code") == "STATUS_CODE_ERROR";
}

/// The spans of one create-user request, checked for the parent chain
/// client -> server -> send -> worker process -> (database, send) ->
/// server receipt.
struct request_trace {
  json server;
  json publish;
  json process;
  json database;
  json reply;
  json receipt;
};

request_trace check_request_trace(const otlp_receiver& receiver,
                                  const client_trace& client,
                                  const std::string& request_topic,
                                  const std::string& request_id) {
  const std::string process_name = "process " + request_topic;
  auto spans = wait_for_trace(receiver, client.trace_id,
                              {{server_service, "POST /users"},
                               {server_service, "send " + request_topic},
                               {worker_service, process_name},
                               {worker_service, "create_user app"},
                               {worker_service, "send user"},
                               {server_service, "process user"}});
  INFO("trace: " << spans.dump(1));
  for (const auto& s : spans)
    CHECK(s.at("trace_id") == client.trace_id);
  request_trace t;
  t.server = one(spans, server_service, "POST /users");
  t.publish = one(spans, server_service, "send " + request_topic);
  t.process = one(spans, worker_service, process_name);
  t.database = one(spans, worker_service, "create_user app");
  t.reply = one(spans, worker_service, "send user");
  t.receipt = one(spans, server_service, "process user");

  CHECK(t.server.at("parent_span_id") == client.span_id);
  CHECK(t.server.at("kind") == "SPAN_KIND_SERVER");
  CHECK(attribute(t.server, "http.route") == "/users");
  CHECK(attribute(t.server, "http.request.method") == "POST");
  CHECK(attribute(t.server, "semiasync.request_id") == request_id);

  CHECK(t.publish.at("parent_span_id") == t.server.at("span_id"));
  CHECK(t.publish.at("kind") == "SPAN_KIND_PRODUCER");
  CHECK(attribute(t.publish, "messaging.destination.name") == request_topic);
  CHECK(attribute(t.publish, "messaging.message.conversation_id")
        == request_id);
  CHECK(attribute(t.publish, "messaging.destination.partition.id").is_string());
  CHECK(attribute(t.publish, "messaging.kafka.offset").is_number_integer());
  CHECK_FALSE(failed(t.publish));

  CHECK(t.process.at("parent_span_id") == t.publish.at("span_id"));
  CHECK(t.process.at("kind") == "SPAN_KIND_CONSUMER");
  CHECK(attribute(t.process, "messaging.message.conversation_id")
        == request_id);
  CHECK(attribute(t.process, "messaging.kafka.offset")
        == attribute(t.publish, "messaging.kafka.offset"));

  CHECK(t.database.at("parent_span_id") == t.process.at("span_id"));
  CHECK(t.database.at("kind") == "SPAN_KIND_CLIENT");
  CHECK(attribute(t.database, "db.system") == "mariadb");
  CHECK(attribute(t.database, "db.namespace") == "app");
  CHECK_FALSE(failed(t.database));

  CHECK(t.reply.at("parent_span_id") == t.process.at("span_id"));
  CHECK(t.reply.at("kind") == "SPAN_KIND_PRODUCER");
  CHECK(attribute(t.reply, "messaging.message.conversation_id") == request_id);
  CHECK_FALSE(failed(t.reply));

  CHECK(t.receipt.at("parent_span_id") == t.reply.at("span_id"));
  CHECK(t.receipt.at("kind") == "SPAN_KIND_CONSUMER");
  CHECK(attribute(t.receipt, "messaging.message.conversation_id")
        == request_id);
  return t;
}

/// The worker's batch span that `process` links to: in a trace of its
/// own, linking back to the record's context.
void check_batch_link(const otlp_receiver& receiver, const json& process,
                      const std::string& request_topic) {
  auto links = process.at("links");
  INFO("process span: " << process.dump(1));
  REQUIRE(links.size() == 1);
  auto batch_trace = links[0].at("trace_id").get<std::string>();
  CHECK(batch_trace != process.at("trace_id"));
  auto spans = wait_for_trace(receiver, batch_trace,
                              {{worker_service, "process " + request_topic}});
  INFO("batch trace: " << spans.dump(1));
  json batch;
  for (const auto& s : spans)
    if (s.at("span_id") == links[0].at("span_id")) batch = s;
  REQUIRE(batch.is_object());
  CHECK(batch.at("kind") == "SPAN_KIND_CONSUMER");
  CHECK(batch.at("parent_span_id") == "");
  CHECK(attribute(batch, "messaging.batch.message_count").get<int64_t>() >= 1);
  bool links_back = false;
  for (const auto& link : batch.at("links"))
    links_back = links_back
                 || (link.at("trace_id") == process.at("trace_id")
                     && link.at("span_id") == process.at("parent_span_id"));
  CHECK(links_back);
}

/// The JSON log lines of `proc` (others are skipped).
std::vector<json> json_lines(const child_process& proc) {
  std::vector<json> result;
  std::istringstream in{proc.log_text()};
  for (std::string line; std::getline(in, line);) {
    auto doc = json::parse(line, nullptr, false);
    if (doc.is_object()) result.push_back(std::move(doc));
  }
  return result;
}

} // namespace

TEST_CASE("tracing follows a request from the client's traceparent through "
          "the worker and back",
          "[tracing]") {
  // Declared first, so the processes stop (flushing their spans) before it.
  otlp_receiver receiver;
  users_cleanup cleanup;
  // A request topic and worker group of this test alone, so that its worker
  // (the only one exporting here) reads every request of the test.
  scoped_topic requests{run_prefix() + "-traced", 2};
  scoped_topic dead_letters{requests.name() + ".dlq", 1};
  wait_until_readable(requests.name());
  const std::string topic = requests.name();
  auto server
    = start_server({"--request-topic=" + topic},
                   {{"OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()},
                    {"OTEL_SERVICE_NAME", server_service}});
  // The worker exports OTLP/JSON, the server protobuf: every case below
  // checks spans of both encodings.
  auto worker
    = start_worker({"--request-topic=" + topic,
                    "--worker-group=" + run_prefix() + "-traced-workers"},
                   {{"OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()},
                    {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"},
                    {"OTEL_SERVICE_NAME", worker_service}});
  // Where to look when a check fails (INFO is built now, not then).
  INFO("logs: " << server.process->log_path() << ", " << worker->log_path()
                << ", " << receiver.log_file());

  // Once a request went through, the worker owns the topic's partitions;
  // the retry carries the same key, so a 504 before that is harmless.
  {
    auto name = unique_name("warm-up");
    auto request
      = json_post("/users", name_body(name), {{"Idempotency-Key", name}});
    auto deadline = clock_type::now() + 30s;
    auto resp = http_send(server.port, request);
    while (resp.status == 504 && clock_type::now() < deadline)
      resp = http_send(server.port, request);
    REQUIRE(resp.status == 201);
  }

  // An unsampled request first: the sampled one below is the control that
  // shows its spans would have been exported by the time that one's are.
  client_trace unsampled;
  {
    auto name = unique_name("unsampled");
    auto resp = http_send(
      server.port, json_post("/users", name_body(name),
                             {{"traceparent", unsampled.traceparent(false)}}));
    check_created(resp, name);
  }

  // 1. A fresh name: 201, one trace across both processes.
  auto name = unique_name("traced");
  client_trace created;
  auto resp = http_send(server.port,
                        json_post("/users", name_body(name),
                                  {{"traceparent", created.traceparent()}}));
  auto uuid = check_created(resp, name);
  auto id = request_id_of(resp);
  auto row = find_user(name);
  REQUIRE(row);
  CHECK(row->user.value == uuid);
  CHECK(row->request.value == id);
  {
    auto t = check_request_trace(receiver, created, topic, id);
    CHECK(attribute(t.server, "http.response.status_code") == 201);
    CHECK_FALSE(failed(t.server));
    CHECK(attribute(t.process, "semiasync.outcome") == "created");
    CHECK_FALSE(failed(t.process));
    CHECK(attribute(t.receipt, "semiasync.outcome.type") == "UserCreated");
    check_batch_link(receiver, t.process, topic);
  }
  auto control_seen = clock_type::now();

  // 2. Both encodings arrived: the server's protobuf, the worker's JSON.
  {
    std::set<std::string> types;
    for (const auto& r : receiver.requests())
      if (r.at("spans").get<int>() > 0)
        types.insert(r.at("content_type").get<std::string>());
    CHECK(
      types
      == std::set<std::string>{"application/json", "application/x-protobuf"});
  }

  // 3. The same name again: 409, which does not fail the server span.
  {
    client_trace duplicate;
    auto again = http_send(
      server.port, json_post("/users", name_body(name),
                             {{"traceparent", duplicate.traceparent()}}));
    check_problem(again, 409);
    auto t
      = check_request_trace(receiver, duplicate, topic, request_id_of(again));
    CHECK(attribute(t.server, "http.response.status_code") == 409);
    CHECK_FALSE(failed(t.server));
    CHECK(attribute(t.process, "semiasync.outcome") == "duplicated");
    CHECK(attribute(t.receipt, "semiasync.outcome.type") == "UserDuplicated");
  }

  // 4. A record that cannot be decoded: a failed process span, a send span
  // to the dead-letter topic, and a log line naming both IDs. It names its
  // request (header requestUUID), so that requester is answered too (a
  // UserRejected), and the record counts as rejected.
  {
    client_trace producer;
    auto request = random_uuid();
    produce(
      {topic,
       {"key",
        "this is not json {",
        {{"requestUUID", request}, {"traceparent", producer.traceparent()}}}});
    auto spans
      = wait_for_trace(receiver, producer.trace_id,
                       {{worker_service, "process " + topic},
                        {worker_service, "send " + dead_letters.name()},
                        {worker_service, "send user"}});
    INFO("trace: " << spans.dump(1));
    auto process = one(spans, worker_service, "process " + topic);
    auto send = one(spans, worker_service, "send " + dead_letters.name());
    auto answer = one(spans, worker_service, "send user");
    CHECK(process.at("parent_span_id") == producer.span_id);
    CHECK(failed(process));
    CHECK(attribute(process, "error.type") == "dead_lettered");
    CHECK(attribute(process, "semiasync.outcome") == "rejected");
    CHECK(attribute(process, "messaging.message.conversation_id") == request);
    CHECK(send.at("parent_span_id") == process.at("span_id"));
    CHECK(send.at("kind") == "SPAN_KIND_PRODUCER");
    CHECK_FALSE(failed(send));
    CHECK(answer.at("parent_span_id") == process.at("span_id"));
    // The line was written before the dead letter was published.
    std::optional<json> line;
    for (const auto& l : json_lines(*worker))
      if (l.value("msg", "").rfind("dead-lettering ", 0) == 0
          && l.value("traceId", "") == producer.trace_id)
        line = l;
    INFO("worker log:\n" << worker->log_text());
    REQUIRE(line);
    CHECK(line->value("spanId", "") == process.at("span_id"));
    CHECK(line->value("level", "") == "warn");
  }

  // 5. Nothing of the unsampled request was recorded, although the control
  // request after it was exported a while ago.
  std::this_thread::sleep_until(control_seen + 3s);
  CHECK(receiver.spans(unsampled.trace_id).empty());

  CHECK(server.process->running());
  CHECK(worker->running());
}

TEST_CASE("a refused tracing setting stops the process with exit code 2",
          "[tracing]") {
  struct probe {
    const char* what;
    std::vector<std::string> argv;
    environment_overrides env;
    std::string named;
  };
  auto server_argv = [](std::vector<std::string> extra) {
    std::vector<std::string> argv{stack().binary, "server",
                                  "--http-address=127.0.0.1",
                                  "--http-port=" + std::to_string(free_port()),
                                  "--kafka-brokers=" + stack().kafka};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  };
  // Nobody listens on the discard port: a process that got past the check
  // would not export anything, it would just run (and fail the test).
  const std::string endpoint = "http://127.0.0.1:9";
  std::vector<probe> probes{
    {"an unknown sampler in OTEL_TRACES_SAMPLER",
     server_argv({}),
     {{"OTEL_EXPORTER_OTLP_ENDPOINT", endpoint},
      {"OTEL_TRACES_SAMPLER", "bogus"}},
     "OTEL_TRACES_SAMPLER"},
    {"the gRPC protocol, which is not built in",
     server_argv({"--traces-protocol=grpc"}),
     {{"OTEL_EXPORTER_OTLP_ENDPOINT", endpoint}},
     "tracesProtocol"},
    {"an unknown sampler for a worker",
     {stack().binary, "worker", "--kafka-brokers=" + stack().kafka,
      "--db-host=" + stack().db_host,
      "--db-port=" + std::to_string(stack().db_port),
      "--db-user=" + stack().db_user, "--worker-metrics-port=0"},
     {{"OTEL_EXPORTER_OTLP_ENDPOINT", endpoint},
      {"OTEL_TRACES_SAMPLER", "bogus"},
      {"SEMIASYNC_DB_PASSWORD", stack().db_password}},
     "OTEL_TRACES_SAMPLER"},
  };
  int n = 0;
  for (auto& p : probes) {
    INFO("case: " << p.what);
    child_process proc{p.argv, p.env,
                       log_path("refused-" + std::to_string(++n))};
    auto deadline = clock_type::now() + 10s;
    while (proc.running() && clock_type::now() < deadline)
      std::this_thread::sleep_for(20ms);
    INFO(proc.log_tail());
    CHECK(proc.describe_status() == "exit code 2");
    CHECK(proc.log_text().find(p.named) != std::string::npos);
  }
}
