#pragma once

#include "config/outcome_routing.hpp"
#include "config/route_spec.hpp"
#include "db/connection_settings.hpp"
#include "logging/log.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tracing/tracing_options.hpp"

namespace semiasync::config {

/// Every setting of both processes, with its default. The YAML key of each
/// member is in its comment; `setting_table()` declares parsing and help.
struct settings {
  /// MariaDB host (dbHost); "localhost" would mean the UNIX socket, not TCP.
  std::string db_host = "127.0.0.1";
  /// MariaDB TCP port (dbPort).
  uint16_t db_port = 3306;
  /// MariaDB user (dbUser).
  std::string db_user = "root";
  /// MariaDB password (dbPassword); a secret: a configured value is never
  /// printed. The default is the local demo's (the reference's) and --help
  /// says so.
  std::string db_password = "root";
  /// MariaDB database (dbName).
  std::string db_name = "app";
  /// Kafka bootstrap servers (kafkaBrokers), given separated by ',' or
  /// blanks or as a YAML list, normalised to "host:port,host:port".
  std::string kafka_brokers = "127.0.0.1:9093";
  /// Extra librdkafka properties by name (kafkaProperties, given as
  /// "name=value;name=value" or a YAML map); a secret, since it may carry
  /// credentials.
  std::map<std::string, std::string> kafka_properties;
  /// Kafka SASL password (kafkaSaslPassword), passed as `sasl.password`; a
  /// secret, never printed.
  std::string kafka_sasl_password;
  /// Key of the hash from an Idempotency-Key to its request ID
  /// (idempotencySecret), the same on every server instance; a secret, never
  /// printed. Empty: the public UUIDv5 of the key, which anyone can compute.
  std::string idempotency_secret;
  /// Header whose value scopes Idempotency-Keys to a client
  /// (idempotencyScopeHeader), e.g. X-Client-Id; empty: keys are global.
  std::string idempotency_scope_header;
  /// HTTP listening port (httpPort).
  uint16_t http_port = 8080;
  /// HTTP bind address (httpAddress).
  std::string http_address = "0.0.0.0";
  /// Topic of create-user requests (requestTopic).
  std::string request_topic = "create_user_request_sent";
  /// Topic of outcomes (outcomeTopic).
  std::string outcome_topic = "user";
  /// Dead-letter topic (deadLetterTopic); empty means `request_topic + ".dlq"`.
  std::string dead_letter_topic;
  /// Consumer group of the workers (workerGroup).
  std::string worker_group = "semiasync-worker";
  /// Server instance ID (instanceId); empty means generated at start-up.
  std::string instance_id;
  /// How a server receives outcomes (outcomeRouting): broadcast (reads
  /// every outcome partition; works with any worker) or steered (reads
  /// only its own partitions and names one per request in the
  /// `replyPartition` header; needs workers that honour it).
  config::outcome_routing outcome_routing = config::outcome_routing::broadcast;
  /// Outcome partitions a steered server owns, given as "0,3"
  /// (replyPartitions), each listed once; empty: one, derived from the
  /// instance ID.
  std::vector<int32_t> reply_partitions;
  /// Reply deadline (replyTimeoutMs).
  std::chrono::milliseconds reply_timeout{5000};
  /// Longest deadline a client may ask for with `Prefer: wait=` (maxWaitMs).
  std::chrono::milliseconds max_wait{30000};
  /// Produce deadline (produceTimeoutMs); below the reply timeout.
  std::chrono::milliseconds produce_timeout{2000};
  /// Requests waiting for outcomes at once (maxInFlight); beyond: 503.
  std::size_t max_in_flight = 10000;
  /// Largest accepted request body (maxBodyBytes).
  std::size_t max_body_bytes = 65536;
  /// Largest accepted header field value and URL (maxHeaderBytes).
  std::size_t max_header_bytes = 8192;
  /// Open HTTP connections at once (maxConnections); beyond it, new ones
  /// wait in the kernel's accept queue.
  std::size_t max_connections = 20000;
  /// Time a client has to send a whole request (readTimeoutMs); a slower
  /// one is disconnected.
  std::chrono::milliseconds read_timeout{10000};
  /// Time a client has to take an answer (writeTimeoutMs).
  std::chrono::milliseconds write_timeout{10000};
  /// HTTP server threads (httpThreads).
  std::size_t http_threads = 2;
  /// Threads of the actor scheduler (actorThreads); 0: one per core for the
  /// server, one for the consumer (see `actor_threads_for`).
  std::size_t actor_threads = 0;
  /// Lines below this level are not logged (logLevel: one of debug, info,
  /// warn, error).
  semiasync::log_level log_level = semiasync::log_level::info;
  /// First retry wait of a worker after a transient failure (retryMinMs).
  std::chrono::milliseconds retry_min{100};
  /// Longest retry wait of a worker (retryMaxMs).
  std::chrono::milliseconds retry_max{5000};
  /// Port of the worker's /metrics and /healthz (workerMetricsPort); 0: off.
  uint16_t worker_metrics_port = 9091;
  /// Address the worker's metrics endpoint binds (workerMetricsAddress).
  std::string worker_metrics_address = "0.0.0.0";
  /// The worker's consumer-group session timeout (workerSessionTimeoutMs):
  /// how long the partitions of a worker that died wait before moving.
  std::chrono::milliseconds worker_session_timeout{10000};

  /// Whether the server serves the live page (ui): `GET /ui` and its event
  /// stream `GET /ui/events`. Off by default: it shows every request's ID
  /// to whoever opens it, which production should not.
  bool ui = false;

  /// Where this process exports its spans (tracesEndpoint): the full
  /// OTLP/HTTP traces URL; empty: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
  /// OTEL_EXPORTER_OTLP_ENDPOINT, and no tracing when neither is set.
  std::string traces_endpoint;
  /// How spans are encoded (tracesProtocol): http/protobuf or http/json;
  /// empty: OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, else http/protobuf.
  std::string traces_protocol;
  /// Which traces are recorded (tracesSampler), named as
  /// OTEL_TRACES_SAMPLER names them; empty: that variable, else
  /// parentbased_always_on.
  std::string traces_sampler;
  /// The ratio of the ratio samplers (tracesSamplerArg); empty:
  /// OTEL_TRACES_SAMPLER_ARG, else 1.
  std::string traces_sampler_arg;

  /// File of configured routes (routesFile); empty: the config file's
  /// `routes:` list, if any.
  std::string routes_file;
  /// How long a configured route keeps its answers for retries and status
  /// polls (idempotencyRetentionMs).
  std::chrono::milliseconds idempotency_retention{86400000};
  /// The gateway's configured routes (YAML `routes:` or routesFile); none:
  /// create-user alone, as always.
  std::vector<route_spec> routes;

  /// The dead-letter topic in use: the configured one or `<request>.dlq`.
  std::string effective_dead_letter_topic() const;

  /// The traces* settings, for `tracing::decide_tracing`.
  tracing::tracing_settings traces() const;

  /// Where and how to reach the database (the db_* settings).
  db::connection_settings db_connection() const;

  /// The librdkafka properties applied over our defaults in every client:
  /// `kafkaProperties`, plus `sasl.password` when `kafkaSaslPassword` is set.
  std::map<std::string, std::string> kafka_overrides() const;
};

} // namespace semiasync::config
