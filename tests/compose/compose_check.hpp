#pragma once

// Checks of the Docker files that need no Docker engine: docker-compose.yaml
// (+ override), the container config file and the Dockerfile, read as text and
// YAML and compared with what the binary accepts (config::setting_table,
// config::load) and with what each service listens on.

#include <filesystem>
#include <map>
#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace semiasync::compose_check {

/// Everything found wrong, one message each; empty when all is consistent.
using problems = std::vector<std::string>;

/// The compose files merged as `docker compose -f a -f b` merges them (maps
/// deeply, `ports`/`expose`/`volumes` appended, `command` replaced), with YAML
/// merge keys (`<<: *anchor`) applied. Throws YAML::Exception on bad YAML.
YAML::Node load_stack(const std::vector<std::filesystem::path>& files);

/// Compose variable interpolation with every variable unset: `${X:-d}` and
/// `${X-d}` give d, `${X}` and `$X` give "", `$$` gives `$`. So the checks see
/// what a user gets without setting anything.
std::string interpolate(const std::string& text);

/// Checks the merged stack; relative bind-mount sources are taken from
/// `project_dir`, as compose does.
///  - every variable set on a service running semiasync (one that is built
///    here, or uses the image of one) is one the binary reads (a setting's
///    SEMIASYNC_* name, or an OTEL_* variable of its tracing), and any
///    SEMIASYNC_* variable anywhere is too;
///  - its SEMIASYNC_CONFIG is a mounted file whose keys are all settings, and
///    config::load accepts the whole (command, environment, file);
///  - every mapped, exposed or health-probed port is one the service listens
///    on (semiasync: httpPort / workerMetricsPort; Kafka: KAFKA_LISTENERS;
///    MariaDB: 3306; Kafka UI: SERVER_PORT or 8080; Jaeger v2 with its
///    built-in config: OTLP 4317/4318, UI 16686, ...);
///  - every trace endpoint (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT) is a
///    service of this stack, on its OTLP/HTTP port (4318 for Jaeger), with
///    no path in the base endpoint and /v1/traces in the traces one;
///  - the brokers, database and topics semiasync uses are those of the stack:
///    services and listeners that exist, MariaDB's database and password, the
///    topics the one-shot topic service creates;
///  - `depends_on` names services that exist, with health checks where the
///    condition needs one; every service has a restart policy; relative bind
///    sources exist; no host port is published twice;
///  - Prometheus (prom/prometheus): its scrape config is mounted, every target
///    (static, or a service name looked up in Docker's DNS) is a service
///    listening on the target's port, and every semiasync service with a
///    metrics port is scraped;
///  - Grafana (grafana/grafana): its provisioning folder is mounted, each data
///    source URL is a service listening there, each dashboard provider reads
///    a mounted folder with dashboards, and those name only provisioned data
///    source uids; the home dashboard is a mounted file.
problems check_stack(const YAML::Node& stack,
                     const std::filesystem::path& project_dir);

/// What the monitoring services of a stack watch (see check_stack for the
/// rules that make these trustworthy).
struct monitoring {
  /// Prometheus job name -> the semiasync process it scrapes (the command
  /// of the service: "server" or "consumer").
  std::map<std::string, std::string> jobs;
  /// The dashboard files Grafana provisions, as host paths.
  std::vector<std::filesystem::path> dashboards;
};

/// The scrape jobs and dashboards of the stack.
monitoring monitoring_of(const YAML::Node& stack,
                         const std::filesystem::path& project_dir);

/// Checks a Dockerfile's text: multi-stage, the build stage runs
/// `scripts/install-deps --build-only` and `scripts/build`, the runtime stage
/// `scripts/install-deps --runtime-only`, runs as a non-root USER, has a
/// HEALTHCHECK on /healthz and EXPOSEs the default HTTP and worker ports.
problems check_dockerfile(const std::string& text);

} // namespace semiasync::compose_check
