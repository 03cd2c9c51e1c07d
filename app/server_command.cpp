#include "actors/gateway_keeper.hpp"
#include "actors/health_probe.hpp"
#include "actors/outcome_consumer.hpp"
#include "actors/producer.hpp"
#include "actors/reader.hpp"
#include "actors/registry.hpp"
#include "actors/reply_route.hpp"
#include "actors/request_metrics.hpp"
#include "actors/system_config.hpp"
#include "actors/write_watch.hpp"
#include "app/commands.hpp"
#include "app/outcome_readers.hpp"
#include "app/process_metrics.hpp"
#include "app/start_tracing.hpp"
#include "app/ui_feed.hpp"
#include "app/wait_for_stop.hpp"
#include "config/partition_list.hpp"
#include "db/mysql_gateway_store.hpp"
#include "db/mysql_user_repository.hpp"
#include "domain/error.hpp"
#include "domain/uuid.hpp"
#include "http/descriptor_limit.hpp"
#include "http/server.hpp"
#include "kafka/backlog_probe.hpp"
#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"
#include "kafka/write_check.hpp"
#include "logging/log.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <csignal>

namespace semiasync {

namespace {

/// How long start-up waits for the broker before giving up.
constexpr auto startup_timeout = std::chrono::seconds{15};

/// How long draining waits beyond the reply deadline for the last answers.
constexpr auto drain_margin = std::chrono::seconds{1};

/// How often a broadcast server looks for partitions the outcome topic
/// gained: outcomes published there meanwhile arrive this much later (they
/// are read from the partition's beginning once found).
constexpr auto partition_check_interval = std::chrono::seconds{5};

/// How often /readyz's verdict is refreshed, and how long the broker may
/// take to answer one check.
constexpr auto probe_interval = std::chrono::seconds{1};
constexpr auto broker_check_timeout = std::chrono::milliseconds{800};

/// How long the write watch's finding about a topic stands: a few rounds
/// (each a second plus up to a few seconds of checking), so a watch stuck
/// on a broker stops refusing requests.
constexpr auto write_finding_max_age = std::chrono::seconds{10};

/// How long each of the live page's backlog queries may wait for the broker.
constexpr auto backlog_timeout = std::chrono::milliseconds{1000};

/// "Not assigned" unless `source` reads its partitions.
health_check assignment_check(std::string name,
                              std::shared_ptr<kafka::consumer> source) {
  return {std::move(name), [source] {
            if (source->assigned()) return caf::error{};
            return make_error(error_code::broker_unavailable, "not assigned");
          }};
}

/// The checks of create-user alone: broker, outcome partitions, database.
std::vector<health_check>
base_checks(std::shared_ptr<kafka::producer> publisher,
            std::shared_ptr<kafka::consumer> source,
            std::shared_ptr<db::mysql_user_repository> db) {
  return {
    {"kafka",
     [publisher] {
       if (auto err = publisher->fatal_error()) return err;
       if (publisher->broker_reachable(broker_check_timeout))
         return caf::error{};
       return make_error(error_code::broker_unavailable, "no broker answers");
     }},
    assignment_check("outcome partitions", std::move(source)),
    {"database",
     [db] {
       return db->ping();
     }},
  };
}

/// What /readyz checks: the broker answers, this server reads every
/// outcome partition (create-user's and each route's), and the database
/// answers (GET endpoints read it).
std::vector<health_check>
readiness_checks(std::shared_ptr<kafka::producer> publisher,
                 std::shared_ptr<kafka::consumer> source,
                 const route_readers& routes,
                 std::shared_ptr<db::mysql_user_repository> db) {
  auto checks
    = base_checks(std::move(publisher), std::move(source), std::move(db));
  for (const auto& [topic, reader] : routes)
    checks.insert(
      checks.end() - 1,
      assignment_check("outcome partitions of " + topic, reader.source));
  return checks;
}

/// The topics this server publishes to: create-user's and each route's.
std::vector<std::string> request_topics(const config::settings& cfg) {
  std::vector<std::string> topics{cfg.request_topic};
  for (const auto& route : cfg.routes)
    if (std::find(topics.begin(), topics.end(), route.request_topic)
        == topics.end())
      topics.push_back(route.request_topic);
  return topics;
}

/// Asks each long-lived actor to stop.
template <class... Handles>
void stop_actors(const Handles&... handles) {
  (caf::anon_send_exit(handles, caf::exit_reason::user_shutdown), ...);
}

/// ", routes POST /a -> topic, ..." for the start line; empty without.
std::string routes_text(const config::settings& cfg) {
  std::string result;
  for (const auto& route : cfg.routes)
    result += (result.empty() ? ", routes " : ", ") + route.name + " -> "
              + route.request_topic;
  return result;
}

int fail(const std::string& what, const caf::error& err) {
  log(log_level::error, "server", what + ": " + detail_of(err));
  return 1;
}

} // namespace

int run_server(const config::settings& cfg, termination_signals& signals) {
  auto traced = start_tracing(cfg, "semiasync-server");
  if (auto code = std::get_if<int>(&traced)) return *code;
  // Declared before everything that records spans, so it outlives them:
  // destroying it flushes the last ones.
  auto tracer = std::get<std::shared_ptr<tracing::tracer>>(std::move(traced));
  auto instance = cfg.instance_id.empty() ? random_uuid() : cfg.instance_id;
  auto client = kafka::producer::make(cfg.kafka_brokers, cfg.produce_timeout,
                                      cfg.kafka_overrides());
  if (!client) return fail("cannot create the Kafka producer", client.error());
  std::shared_ptr<kafka::producer> publisher = std::move(*client);
  // The producer actor must never block, so a thread of the client's own
  // serves its delivery reports.
  publisher->start_polling_thread();
  if (cfg.outcome_routing != config::outcome_routing::steered
      && !cfg.reply_partitions.empty())
    log(log_level::warn, "server",
        "replyPartitions is ignored: outcomeRouting is broadcast");
  auto timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(startup_timeout);
  auto outcomes = read_outcomes(cfg, instance, cfg.outcome_topic, timeout);
  if (!outcomes)
    return fail("cannot read topic " + cfg.outcome_topic, outcomes.error());
  auto source = outcomes->source;
  auto route = outcomes->route;
  auto route_outcomes = read_route_outcomes(cfg, instance, timeout);
  if (!route_outcomes)
    return fail("cannot read a route's outcome topic", route_outcomes.error());

  // Declared before the actor system so it outlives it: request actors that
  // answer during the system's shutdown still post to its I/O context.
  // The metrics outlive the actors and the HTTP server that record them.
  metrics::registry metrics;
  mark_up(metrics);
  auto request_counters = request_metrics::bind(metrics);
  // The live page's hub, when it is on: request actors and the HTTP server
  // report to it, so it outlives both. Pages are few (8) and each queue
  // short (256 frames): a page that stops reading costs a bounded amount.
  std::unique_ptr<http::flow_hub> flow;
  std::unique_ptr<ui_feed> feed;
  if (cfg.ui)
    flow = std::make_unique<http::flow_hub>(
      http::flow_hub::limits{.max_subscribers = 8, .queue_capacity = 256});
  auto verdict = std::make_shared<readiness>();
  std::unique_ptr<http::server> http;
  system_config sys_cfg{
    actor_threads_for(process_role::server, cfg.actor_threads)};
  caf::actor_system sys{sys_cfg};
  auto registry_handle
    = sys.spawn(registry, registry_settings{.metrics = request_counters});
  auto producer_handle = sys.spawn(producer, publisher);
  // Only a broadcast reader follows the topic's growth: a steered one reads
  // the partitions its requests name, and those exist already.
  auto partition_checks
    = route ? caf::timespan{0} : caf::timespan{partition_check_interval};
  outcome_consumer_settings consumer_cfg{
    .partition_check_interval = partition_checks,
    .records_read = &request_counters.outcomes_read,
    .keep_trace = tracer != nullptr};
  auto consumer_handle = sys.spawn<caf::detached>(
    outcome_consumer, source, registry_handle, consumer_cfg);
  // Configured routes: the keeper of their store, and a consumer per
  // outcome topic whose replies go through it.
  std::vector<caf::actor> route_actors;
  gateway_keeper_actor keeper_handle;
  if (!cfg.routes.empty()) {
    keeper_handle = sys.spawn<caf::detached>(
      gateway_keeper,
      gateway_keeper_settings{
        .store = std::make_shared<db::mysql_gateway_store>(cfg.db_connection()),
        .registry = registry_handle});
    route_actors.push_back(caf::actor_cast<caf::actor>(keeper_handle));
    for (const auto& [topic, reader] : *route_outcomes) {
      const auto& first = *std::find_if(cfg.routes.begin(), cfg.routes.end(),
                                        [&topic = topic](const auto& r) {
                                          return r.outcome_topic == topic;
                                        });
      auto route_cfg = consumer_cfg;
      route_cfg.partition_check_interval
        = reader.route ? caf::timespan{0}
                       : caf::timespan{partition_check_interval};
      route_cfg.route_replies
        = route_reply_reading{first.protocol, first.type_header, keeper_handle};
      route_actors.push_back(
        caf::actor_cast<caf::actor>(sys.spawn<caf::detached>(
          outcome_consumer, reader.source, registry_handle, route_cfg)));
    }
  }
  auto reader_handle = sys.spawn<caf::detached>(
    reader, std::make_shared<db::mysql_user_repository>(cfg.db_connection()),
    wall_clock{caf::make_timestamp});
  // Whether the request topics can take a write: a cluster that lost
  // too many nodes times writes out instead of refusing them, so the
  // server finds out itself and answers 503 at once.
  auto writable = std::make_shared<kafka::write_gate>(write_finding_max_age);
  auto write_watch_handle = sys.spawn<caf::detached>(
    write_watch, request_topics(cfg),
    write_check_function{kafka::write_check{publisher}}, probe_interval,
    writable);
  auto probe_handle = sys.spawn<caf::detached>(
    health_probe,
    readiness_checks(
      publisher, source, *route_outcomes,
      std::make_shared<db::mysql_user_repository>(cfg.db_connection())),
    probe_interval, verdict);

  // Connections beyond what the descriptor limit (raised to the hard
  // limit) holds would fail their accept anyway: cap them, and say so.
  auto max_connections
    = http::connections_within_descriptor_limit(cfg.max_connections, "server");
  http::server_settings http_cfg{
    .address = cfg.http_address,
    .port = cfg.http_port,
    .threads = cfg.http_threads,
    .max_body_bytes = cfg.max_body_bytes,
    .request_topic = cfg.request_topic,
    .outcome_topic = cfg.outcome_topic,
    .reply_timeout = cfg.reply_timeout,
    .max_wait = cfg.max_wait,
    .produce_timeout = cfg.produce_timeout,
    .max_in_flight = cfg.max_in_flight,
    .max_header_bytes = cfg.max_header_bytes,
    .max_connections = max_connections,
    .read_timeout = cfg.read_timeout,
    .write_timeout = cfg.write_timeout,
    .idempotency_secret = cfg.idempotency_secret,
    .idempotency_scope_header = cfg.idempotency_scope_header,
    .routes = cfg.routes,
    .idempotency_retention = cfg.idempotency_retention,
    .ui = cfg.ui};
  http::server_dependencies deps{
    .system = &sys,
    .registry = registry_handle,
    .producer = producer_handle,
    .reader = reader_handle,
    .not_ready =
      [verdict, publisher, writable] {
        // At once, not at the probe's next round:
        // this process is about to end.
        if (auto err = publisher->fatal_error())
          return std::optional<std::string>{"kafka: " + detail_of(err)};
        if (auto reason = verdict->reason()) return reason;
        return writable->refusal_everywhere();
      },
    .unwritable =
      [writable](const std::string& topic) {
        return writable->refusal(topic);
      },
    .metrics = &metrics,
    .requests = &request_counters,
    .reply_partition = reply_partitions_from(route),
    .keeper = keeper_handle,
    .route_reply_partition = reply_partitions_by_topic(*route_outcomes),
    .flow = flow.get(),
    .tracer = tracer.get()};
  auto started = http::server::start(http_cfg, std::move(deps));
  if (!started) {
    stop_actors(consumer_handle, producer_handle, registry_handle,
                reader_handle, probe_handle, write_watch_handle);
    for (auto& x : route_actors)
      stop_actors(x);
    return fail("cannot start HTTP", started.error());
  }
  http = std::move(*started);
  if (flow) {
    std::vector<std::string> route_names;
    for (const auto& r : cfg.routes)
      route_names.push_back(r.name);
    ui_feed_sources sources{.metrics = &metrics,
                            .requests = &request_counters,
                            .route_names = std::move(route_names)};
    // The backlog figures come from a client of their own, used only on
    // the feed's thread; without it they stay unknown (null).
    auto made = kafka::backlog_probe::make(cfg.kafka_brokers, cfg.worker_group,
                                           cfg.kafka_overrides());
    if (made) {
      std::shared_ptr<kafka::backlog_probe> probe = std::move(*made);
      sources.worker_lag = [probe, topic = cfg.request_topic] {
        return probe->group_lag(topic, backlog_timeout);
      };
      sources.dead_letters
        = [probe, topic = cfg.effective_dead_letter_topic()] {
            return probe->message_count(topic, backlog_timeout);
          };
    } else {
      log(log_level::warn, "server",
          "the live page's backlog figures are off: "
            + detail_of(made.error()));
    }
    feed = std::make_unique<ui_feed>(*flow, std::move(sources));
  }
  log(log_level::info, "server",
      "listening on " + cfg.http_address + ":" + std::to_string(cfg.http_port)
        + ", instance " + instance + ", outcomes "
        + (route ? "steered to partitions "
                     + config::partition_list_text(route->partitions())
                 : std::string{"broadcast (every partition)"})
        + " of " + cfg.outcome_topic + routes_text(cfg));

  std::vector<caf::actor_addr> watched{consumer_handle.address(),
                                       producer_handle.address(),
                                       registry_handle.address()};
  for (auto& x : route_actors)
    watched.push_back(x.address());
  auto cause = wait_for_stop(sys, signals, watched);
  log(cause.failure.empty() ? log_level::info : log_level::error, "server",
      "stopping: " + describe(cause));
  // Drain: refuse new requests, let waiting ones get their real answers
  // (each ends by its deadline at the latest), then stop serving.
  http->begin_draining();
  feed.reset();
  auto left = http->wait_until_idle(http_cfg.longest_deadline() + drain_margin);
  if (left > 0)
    log(log_level::warn, "server",
        std::to_string(left) + " requests still unanswered at shutdown");
  http->stop();
  stop_actors(consumer_handle, producer_handle, registry_handle, reader_handle,
              probe_handle, write_watch_handle);
  for (auto& x : route_actors)
    stop_actors(x);
  if (auto err = publisher->flush(std::chrono::seconds{2}))
    log(log_level::warn, "server", "producer flush: " + detail_of(err));
  return cause.failure.empty() ? 0 : 1;
}

} // namespace semiasync
