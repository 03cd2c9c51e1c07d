#include "app/worker_process.hpp"

#include "actors/backoff.hpp"
#include "actors/system_config.hpp"
#include "actors/worker_engine.hpp"
#include "actors/worker_metrics.hpp"
#include "app/process_metrics.hpp"
#include "app/start_tracing.hpp"
#include "app/wait_for_stop.hpp"
#include "domain/error.hpp"
#include "http/descriptor_limit.hpp"
#include "http/metrics_server.hpp"
#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"
#include "logging/log.hpp"
#include "metrics/registry.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <csignal>

namespace semiasync {

namespace {

/// Outcome delivery may take long while the broker restarts; the record is
/// retried after a failed delivery anyway, so this only bounds one attempt.
constexpr auto outcome_delivery_timeout = std::chrono::seconds{30};

/// The session timeout bounds how long a crashed worker's partitions (and
/// the requests on them) wait before a rebalance hands them on; heartbeats
/// go at a third of it, as Kafka advises, at most at librdkafka's default.
kafka::properties group_timing(std::chrono::milliseconds session_timeout) {
  auto heartbeat = std::min<std::chrono::milliseconds>(
    session_timeout / 3, std::chrono::milliseconds{3000});
  return {
    {"session.timeout.ms", std::to_string(session_timeout.count())},
    {"heartbeat.interval.ms",
     std::to_string(std::max<int64_t>(1, heartbeat.count()))},
  };
}

int fail(const std::string& what, const caf::error& err) {
  log(log_level::error, "worker", what + ": " + detail_of(err));
  return 1;
}

} // namespace

int run_worker_process(const config::settings& cfg,
                       termination_signals& signals, worker_operation op) {
  auto traced = start_tracing(cfg, op.service_name);
  if (auto code = std::get_if<int>(&traced)) return *code;
  // Declared first, so it outlives the actors that record spans:
  // destroying it flushes the last ones.
  auto tracer = std::get<std::shared_ptr<tracing::tracer>>(std::move(traced));
  // Declared first, so it outlives everything that records into it or
  // renders it.
  metrics::registry registry;
  mark_up(registry);
  auto sink = worker_metrics::register_in(registry);
  // Started before the clients: a port conflict fails fast, and /healthz
  // answers while Kafka and the database are still being reached.
  std::unique_ptr<http::metrics_server> endpoint;
  if (cfg.worker_metrics_port != 0) {
    // The main port's limits: whatever reaches this port, one client can
    // no more exhaust the worker than the server.
    http::metrics_server_settings endpoint_cfg{
      .address = cfg.worker_metrics_address,
      .port = cfg.worker_metrics_port,
      .max_connections = http::connections_within_descriptor_limit(
        cfg.max_connections, "worker"),
      .read_timeout = cfg.read_timeout,
      .write_timeout = cfg.write_timeout,
      .max_header_bytes = cfg.max_header_bytes};
    auto started = http::metrics_server::start(endpoint_cfg, registry);
    if (!started) return fail("cannot serve metrics", started.error());
    endpoint = std::move(*started);
  }
  // The operator's librdkafka properties win over our group timing.
  auto consumer_overrides = group_timing(cfg.worker_session_timeout);
  for (auto& [name, value] : cfg.kafka_overrides())
    consumer_overrides[name] = value;
  auto subscribed = kafka::consumer::subscribe(
    cfg.kafka_brokers, op.group, {op.request_topic}, consumer_overrides);
  if (!subscribed)
    return fail("cannot consume " + op.request_topic, subscribed.error());
  std::shared_ptr<kafka::consumer> source = std::move(*subscribed);
  add_consumer_lag(registry, source);
  auto publisher = kafka::producer::make(
    cfg.kafka_brokers,
    std::chrono::duration_cast<std::chrono::milliseconds>(
      outcome_delivery_timeout),
    cfg.kafka_overrides());
  if (!publisher)
    return fail("cannot create the Kafka producer", publisher.error());

  system_config sys_cfg{
    actor_threads_for(process_role::worker, cfg.actor_threads)};
  caf::actor_system sys{sys_cfg};
  worker_settings worker_cfg{
    .outcome_topic = op.outcome_topic,
    .dead_letter_topic = op.dead_letter_topic,
    .min_backoff = cfg.retry_min,
    .max_backoff = cfg.retry_max,
    .trace = {.group = op.group,
              .db_system = "mariadb",
              .db_namespace = cfg.db_name,
              .db_operation = op.operation},
  };
  worker_dependencies deps{
    .source = source,
    .publisher = std::shared_ptr<kafka::publisher>{std::move(*publisher)},
    .handler = std::move(op.handler),
    .random = make_random_fraction(),
    .tracer = tracer};
  auto handle = sys.spawn<caf::detached>(worker_engine, std::move(deps), sink,
                                         worker_cfg);
  log(log_level::info, "worker",
      "consuming " + op.request_topic + " in group " + op.group
        + (endpoint ? ", metrics on " + cfg.worker_metrics_address + ":"
                        + std::to_string(cfg.worker_metrics_port)
                    : std::string{}));

  auto cause = wait_for_stop(sys, signals, {handle.address()});
  log(cause.failure.empty() ? log_level::info : log_level::error, "worker",
      "stopping: " + describe(cause));
  // The worker's exit flushes the producer and stores the offsets of every
  // acknowledged outcome; records still held are abandoned uncommitted.
  caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  // Nothing reads the consumer after this, so closing it below (leaving the
  // group and committing the stored offsets) races with no scrape.
  if (endpoint) endpoint->stop();
  return cause.failure.empty() ? 0 : 1;
}

} // namespace semiasync
