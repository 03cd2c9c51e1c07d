// The Docker files, checked without a Docker engine: docker-compose.yaml +
// docker-compose.override.yaml, config/docker.yaml and the Dockerfile against
// the binary's settings (see compose_check.hpp for the rules). Each rule also
// gets a broken copy of the real stack, so a check that could never fail
// would show here.

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include "tests/compose/compose_check.hpp"
#include "tests/compose/dashboard_check.hpp"
#include "tests/compose/exported_metrics.hpp"

using namespace semiasync::compose_check;
using semiasync::dashboard_check::check_dashboard;
using semiasync::dashboard_check::exported;
using semiasync::dashboard_check::exported_by;
using semiasync::dashboard_check::uses_of;
namespace fs = std::filesystem;

namespace {

const fs::path root{SEMIASYNC_SOURCE_DIR};

YAML::Node real_stack() {
  return load_stack(
    {root / "docker-compose.yaml", root / "docker-compose.override.yaml"});
}

std::string read(const fs::path& file) {
  std::ifstream in{file};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string shown(const problems& found) {
  std::string out;
  for (const auto& problem : found)
    out += "  " + problem + "\n";
  return out.empty() ? "  (none)\n" : out;
}

/// The problems of a changed copy of the real stack.
template <class Change>
problems after(Change change) {
  auto stack = real_stack();
  change(stack);
  return check_stack(stack, root);
}

/// Some problem contains every one of `words`.
bool mentions(const problems& found, std::initializer_list<std::string> words) {
  for (const auto& problem : found) {
    bool all = true;
    for (const auto& word : words)
      all &= problem.find(word) != std::string::npos;
    if (all) return true;
  }
  return false;
}

YAML::Node service(YAML::Node& stack, const std::string& name) {
  return stack["services"][name];
}

/// A YAML file of the test's own, removed at the end.
struct temp_file {
  explicit temp_file(const std::string& content)
    : path{
      fs::temp_directory_path()
      / ("semiasync_compose_test_" + std::to_string(::getpid()) + ".yaml")} {
    std::ofstream{path} << content;
  }
  ~temp_file() {
    std::error_code ec;
    fs::remove(path, ec);
  }
  fs::path path;
};

/// A copy of a folder of the repository, for the test to break; removed at
/// the end.
struct temp_copy {
  explicit temp_copy(const fs::path& from)
    : path{fs::temp_directory_path()
           / ("semiasync_compose_test_" + std::to_string(::getpid()) + "_"
              + from.filename().string())} {
    fs::remove_all(path);
    fs::copy(from, path, fs::copy_options::recursive);
  }
  ~temp_copy() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  /// Replaces `from` by `to` in one of its files.
  void edit(const fs::path& file, const std::string& from,
            const std::string& to) const {
    auto text = read(path / file);
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream{path / file} << text;
  }
  fs::path path;
};

/// What server and worker export, by process as the scrape jobs name them.
std::map<std::string, exported> processes() {
  auto worker = exported_by(semiasync::exported_metrics::worker());
  return {{"server", exported_by(semiasync::exported_metrics::server())},
          {"consumer", worker},
          {"worker", worker}};
}

nlohmann::json dashboard() {
  std::ifstream in{root / "deploy/grafana/dashboards/semiasync.json"};
  return nlohmann::json::parse(in);
}

/// The dashboard's problems after replacing `from` by `to` in the first
/// query that has it.
problems dashboard_after(const std::string& from, const std::string& to) {
  auto changed = dashboard();
  bool done = false;
  std::function<void(nlohmann::json&)> walk = [&](nlohmann::json& node) {
    if (done || !node.is_structured()) return;
    if (node.is_object() && node.contains("expr")) {
      auto expr = node["expr"].get<std::string>();
      auto at = expr.find(from);
      if (at != std::string::npos) {
        node["expr"] = expr.replace(at, from.size(), to);
        done = true;
        return;
      }
    }
    for (auto& child : node)
      walk(child);
  };
  walk(changed);
  REQUIRE(done);
  return check_dashboard(changed, monitoring_of(real_stack(), root).jobs,
                         processes());
}

/// A volume list of `service` with the entry mounted at `target` replaced
/// by `entry` (removed when `entry` is empty).
void remount(YAML::Node& stack, const std::string& name,
             const std::string& target, const std::string& entry) {
  auto volumes = YAML::Node(YAML::NodeType::Sequence);
  for (const auto& volume : service(stack, name)["volumes"]) {
    auto text = volume.as<std::string>();
    if (text.find(":" + target) == std::string::npos)
      volumes.push_back(text);
    else if (!entry.empty())
      volumes.push_back(entry);
  }
  service(stack, name)["volumes"] = volumes;
}

} // namespace

TEST_CASE("compose: the stack agrees with the binary and with itself",
          "[compose]") {
  auto found = check_stack(real_stack(), root);
  INFO("problems:\n" << shown(found));
  CHECK(found.empty());
}

TEST_CASE(
  "compose: the Dockerfile builds with the scripts and runs unprivileged",
  "[compose]") {
  auto found = check_dockerfile(read(root / "Dockerfile"));
  INFO("problems:\n" << shown(found));
  CHECK(found.empty());
}

TEST_CASE("compose: the override publishes the documented host ports",
          "[compose]") {
  // README and docker-compose.override.yaml name them; the local stack uses
  // the same ones.
  auto override = load_stack({root / "docker-compose.override.yaml"});
  std::set<std::string> published;
  for (const auto& entry : override["services"])
    for (const auto& port : entry.second["ports"])
      published.insert(entry.first.as<std::string>() + " "
                       + interpolate(port.as<std::string>()));
  CHECK(published
        == std::set<std::string>{
          "server 127.0.0.1:8080:8080", "kafka-ui 127.0.0.1:8082:8080",
          "grafana 127.0.0.1:3000:3000", "prometheus 127.0.0.1:9090:9090",
          "jaeger 127.0.0.1:16686:16686", "mariadb 127.0.0.1:3306:3306",
          "kafka 127.0.0.1:9093:9093"});
}

TEST_CASE("compose: server and consumer send traces to Jaeger by name",
          "[compose][tracing]") {
  auto stack = real_stack();
  auto env = [&](const std::string& name, const std::string& variable) {
    return interpolate(
      service(stack, name)["environment"][variable].as<std::string>(""));
  };
  CHECK(env("server", "OTEL_EXPORTER_OTLP_ENDPOINT") == "http://jaeger:4318");
  CHECK(env("consumer", "OTEL_EXPORTER_OTLP_ENDPOINT") == "http://jaeger:4318");
  CHECK(env("server", "OTEL_SERVICE_NAME") == "semiasync-server");
  CHECK(env("consumer", "OTEL_SERVICE_NAME") == "semiasync-worker");
  // The anchor's other variables still reach both (the merge key).
  CHECK(env("consumer", "SEMIASYNC_CONFIG") == "/etc/semiasync/semiasync.yaml");
}

TEST_CASE("compose: .dockerignore keeps build trees and state out of the image",
          "[compose]") {
  std::set<std::string> lines;
  std::istringstream in{read(root / ".dockerignore")};
  for (std::string line; std::getline(in, line);)
    lines.insert(line);
  for (const auto* entry : {"build", "build-*", ".state", ".git"})
    CHECK(lines.count(entry) == 1);
}

TEST_CASE("compose: interpolation as the checks see it", "[compose]") {
  CHECK(interpolate("${HOST_HTTP_PORT:-8080}:8080") == "8080:8080");
  CHECK(interpolate("${A-x}${B}$C/$$D") == "x/$D");
  CHECK(interpolate("${SEMIASYNC_LOG_LEVEL:-}") == "");
  CHECK(interpolate("plain") == "plain");
}

TEST_CASE("compose: each rule fails on a broken stack", "[compose]") {
  SECTION("a misspelt variable on a semiasync service") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["environment"]["SEMIASYNC_DB_HOTS"] = "mariadb";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found,
                   {"server", "SEMIASYNC_DB_HOTS", "not one semiasync reads"}));
  }
  SECTION("a variable the binary does not read at all") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "consumer")["environment"]["DB_HOST"] = "mariadb";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"consumer", "DB_HOST"}));
  }
  SECTION("a value the binary refuses") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["environment"]["SEMIASYNC_HTTP_PORT"] = "http";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"server", "would not start", "httpPort"}));
  }
  SECTION("an unknown key in the container config file") {
    temp_file config{"dbHost: mariadb\ndbHots: mariadb\n"};
    auto found = after([&](YAML::Node& stack) {
      auto volumes = YAML::Node(YAML::NodeType::Sequence);
      volumes.push_back(config.path.string()
                        + ":/etc/semiasync/semiasync.yaml:ro");
      service(stack, "server")["volumes"] = volumes;
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"'dbHots' is not a setting key"}));
  }
  SECTION("a config file that is not mounted") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "consumer")["environment"]["SEMIASYNC_CONFIG"]
        = "/etc/other.yaml";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"consumer", "no file mounted"}));
  }
  SECTION("a server port mapping to a port it does not listen on") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["ports"][0] = "127.0.0.1:8080:8081";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"server", "port mapping", "8081"}));
  }
  SECTION("the server moved to another port without its mapping") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["environment"]["SEMIASYNC_HTTP_PORT"] = "8090";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"server", "port mapping", "8080"}));
    CHECK(mentions(found, {"server", "health check", "8080"}));
  }
  SECTION("a consumer exposing a port other than its metrics port") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "consumer")["expose"][0] = "9092";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"consumer", "exposed port", "9092"}));
  }
  SECTION("a Kafka mapping to a port without a listener") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "kafka")["ports"][0] = "127.0.0.1:9093:9095";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"kafka", "port mapping", "9095"}));
  }
  SECTION("Kafka's host listener advertised on a port not published there") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "kafka")["ports"][0] = "127.0.0.1:19093:9093";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"kafka", "HOST", "advertises localhost:9093"}));
  }
  SECTION("the Kafka UI mapped to a port it does not serve") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "kafka-ui")["ports"][0] = "127.0.0.1:8082:8082";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"kafka-ui", "8082"}));
  }
  SECTION("semiasync pointed at the host listener of Kafka") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["environment"]["SEMIASYNC_KAFKA_BROKERS"]
        = "kafka:9093";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"server", "kafka:9093", "does not advertise"}));
  }
  SECTION("semiasync pointed at a broker that is not there") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "consumer")["environment"]["SEMIASYNC_KAFKA_BROKERS"]
        = "broker:9092";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"consumer", "broker:9092", "no Kafka service"}));
  }
  SECTION("another database password than MariaDB's") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "mariadb")["environment"]["MARIADB_ROOT_PASSWORD"]
        = "secret";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"dbPassword differs"}));
  }
  SECTION("another database than the one MariaDB creates") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["environment"]["SEMIASYNC_DB_NAME"] = "users";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"server", "dbName 'users'"}));
  }
  SECTION("a topic nobody creates") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "kafka-topics")["environment"]["TOPICS"]
        = "create_user_request_sent user";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"create_user_request_sent.dlq", "not created"}));
  }
  SECTION("a semiasync service that does not wait for the database") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "consumer")["depends_on"].remove("mariadb");
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"consumer", "depend on mariadb"}));
  }
  SECTION("waiting for a service without a health check") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "kafka").remove("healthcheck");
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"waits for kafka", "no health check"}));
  }
  SECTION("a one-shot service that would restart forever") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "kafka-topics")["restart"] = "unless-stopped";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"kafka-topics", "one-shot"}));
  }
  SECTION("a wrong address in a command") {
    auto found = after([](YAML::Node& stack) {
      service(stack,
              "kafka-ui")["environment"]["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"]
        = "kafka:29092";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"kafka-ui", "kafka:29092"}));
  }
  SECTION("migrations not mounted") {
    auto found = after([](YAML::Node& stack) {
      auto volumes = YAML::Node(YAML::NodeType::Sequence);
      volumes.push_back("mariadb-data:/var/lib/mysql");
      service(stack, "mariadb")["volumes"] = volumes;
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"mariadb", "migrations"}));
  }
  SECTION("a misspelt OpenTelemetry variable") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["environment"]["OTEL_EXPORTER_OTLP_ENDPIONT"]
        = "http://jaeger:4318";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"server", "OTEL_EXPORTER_OTLP_ENDPIONT",
                           "not one semiasync reads"}));
  }
  SECTION("traces sent to a service that is not in the stack") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
        = "http://otel-collector:4318";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found,
                   {"server", "otel-collector", "no service of this stack"}));
  }
  SECTION("traces sent to the container itself") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "consumer")["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
        = "http://127.0.0.1:4318";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"consumer", "127.0.0.1", "no service"}));
  }
  SECTION("traces sent to Jaeger's OTLP/gRPC port") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "consumer")["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
        = "http://jaeger:4317";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"consumer", "4317", "not its OTLP/HTTP receiver"}));
  }
  SECTION("traces sent to a port Jaeger does not listen on") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
        = "http://jaeger:4319";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"server", "jaeger listens on no port 4319"}));
  }
  SECTION("the traces endpoint without /v1/traces") {
    auto found = after([](YAML::Node& stack) {
      service(stack,
              "server")["environment"]["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
        = "http://jaeger:4318";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"server", "TRACES_ENDPOINT", "/v1/traces"}));
  }
  SECTION("the base endpoint with the traces path") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "server")["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
        = "http://jaeger:4318/v1/traces";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"server", "base URL"}));
  }
  SECTION("the Jaeger UI mapped to a port it does not serve") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "jaeger")["ports"][0] = "127.0.0.1:16686:16687";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"jaeger", "port mapping", "16687"}));
  }
  SECTION("a host port published twice") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "kafka-ui")["ports"][0] = "127.0.0.1:8080:8080";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"host port 8080"}));
  }
}

TEST_CASE("compose: each Dockerfile rule fails on a broken Dockerfile",
          "[compose]") {
  auto text = read(root / "Dockerfile");
  // Every occurrence of `from` replaced.
  auto replaced = [&](const std::string& from, const std::string& to) {
    auto copy = text;
    REQUIRE(copy.find(from) != std::string::npos);
    for (auto at = copy.find(from); at != std::string::npos;
         at = copy.find(from, at + to.size()))
      copy.replace(at, from.size(), to);
    return copy;
  };
  CHECK(mentions(check_dockerfile(replaced("USER 10001:10001", "USER root")),
                 {"non-root"}));
  CHECK(mentions(
    check_dockerfile(replaced("install-deps --runtime-only", "install-deps")),
    {"--runtime-only"}));
  CHECK(mentions(check_dockerfile(replaced("/healthz", "/")), {"HEALTHCHECK"}));
  CHECK(mentions(check_dockerfile(replaced("EXPOSE 8080 9091", "EXPOSE 8080")),
                 {"EXPOSE 9091"}));
}

TEST_CASE(
  "compose: Prometheus scrapes server and consumers, Grafana shows them",
  "[compose][monitoring]") {
  auto seen = monitoring_of(real_stack(), root);
  CHECK(seen.jobs
        == std::map<std::string, std::string>{{"server", "server"},
                                              {"consumer", "consumer"}});
  REQUIRE(seen.dashboards.size() == 1);
  CHECK(seen.dashboards[0].filename() == "semiasync.json");
}

TEST_CASE("compose: the exported metrics come from the processes' own code",
          "[compose][monitoring]") {
  auto all = processes();
  const auto& server = all["server"];
  const auto& worker = all["consumer"];
  // A sample of each registration function the processes call.
  CHECK(server.at("semiasync_up").empty());
  CHECK(server.at("semiasync_http_requests_total")
        == std::set<std::string>{"route", "status"});
  CHECK(server.at("semiasync_request_duration_seconds_bucket")
        == std::set<std::string>{"le", "phase"});
  CHECK(server.count("semiasync_requests_in_flight") == 1);
  CHECK(server.count("semiasync_worker_records_total") == 0);
  CHECK(worker.at("semiasync_worker_records_total")
        == std::set<std::string>{"outcome"});
  CHECK(worker.count("semiasync_worker_consumer_lag") == 1);
  CHECK(worker.count("semiasync_worker_batch_size_count") == 1);
  CHECK(worker.count("semiasync_up") == 1);
  CHECK(worker.count("semiasync_requests_in_flight") == 0);
}

TEST_CASE("compose: the dashboard queries only metrics the processes export",
          "[compose][monitoring]") {
  auto seen = monitoring_of(real_stack(), root);
  REQUIRE_FALSE(seen.dashboards.empty());
  for (const auto& file : seen.dashboards) {
    std::ifstream in{file};
    auto found
      = check_dashboard(nlohmann::json::parse(in), seen.jobs, processes());
    INFO(file.filename().string() << " problems:\n" << shown(found));
    CHECK(found.empty());
  }
}

TEST_CASE("compose: PromQL as the dashboard check reads it",
          "[compose][monitoring]") {
  auto use
    = uses_of("histogram_quantile(0.95, sum by (le, phase) (rate("
              "semiasync_request_duration_seconds_bucket{job=\"server\", "
              "phase=~\"total|x\"}[$__rate_interval]))) or vector(0)");
  CHECK(use.metrics
        == std::set<std::string>{"semiasync_request_duration_seconds_bucket"});
  CHECK(use.labels == std::set<std::string>{"le", "phase", "job"});
  CHECK(use.jobs == std::set<std::string>{"server"});
  use = uses_of("sum(a_total offset 5m) / on (instance) group_left b "
                "> bool 1e3 unless c{name=\"x{}\"}[${__range}]");
  CHECK(use.metrics == std::set<std::string>{"a_total", "b", "c"});
  CHECK(use.labels == std::set<std::string>{"instance", "name"});
  CHECK(use.jobs.empty());
}

TEST_CASE("compose: each dashboard rule fails on a broken query",
          "[compose][monitoring]") {
  SECTION("a metric neither process exports") {
    auto found = dashboard_after("semiasync_worker_dead_letters_total",
                                 "semiasync_worker_dead_letter_total");
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"semiasync_worker_dead_letter_total",
                           "not exported by consumer"}));
  }
  SECTION("Prometheus's own metrics are not the binaries'") {
    auto found
      = dashboard_after("semiasync_up{job=\"server\"}", "up{job=\"server\"}");
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"metric up", "not exported by server"}));
  }
  SECTION("a server metric asked of the consumers") {
    auto found
      = dashboard_after("semiasync_requests_in_flight{job=\"server\"}",
                        "semiasync_requests_in_flight{job=\"consumer\"}");
    INFO("problems:\n" << shown(found));
    CHECK(mentions(
      found, {"semiasync_requests_in_flight", "not exported by consumer"}));
  }
  SECTION("a job Prometheus does not scrape") {
    auto found = dashboard_after("job=\"consumer\"", "job=\"worker\"");
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"job 'worker'", "no Prometheus scrape job"}));
  }
  SECTION("a label the metric does not have") {
    auto found = dashboard_after("sum by (outcome)", "sum by (route)");
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"label 'route'", "semiasync_worker_records_total"}));
  }
  SECTION("a histogram quantile of a counter's buckets") {
    auto found = dashboard_after("semiasync_worker_batch_size_bucket",
                                 "semiasync_worker_records_total_bucket");
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"semiasync_worker_records_total_bucket"}));
  }
}

TEST_CASE("compose: each monitoring rule fails on a broken stack",
          "[compose][monitoring]") {
  const std::string prometheus_yml = "/etc/prometheus/prometheus.yml";
  auto scraping = [&](const std::string& config) {
    temp_file file{config};
    return after([&](YAML::Node& stack) {
      remount(stack, "prometheus", prometheus_yml,
              file.path.string() + ":" + prometheus_yml + ":ro");
    });
  };
  const std::string consumer_job = "  - job_name: consumer\n"
                                   "    dns_sd_configs:\n"
                                   "      - names: [consumer]\n"
                                   "        type: A\n"
                                   "        port: 9091\n";
  SECTION("a static target on a port the server does not serve") {
    auto found = scraping("scrape_configs:\n"
                          "  - job_name: server\n"
                          "    static_configs:\n"
                          "      - targets: ['server:8081']\n"
                          + consumer_job);
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"job server", "server:8081", "listens on no port"}));
  }
  SECTION("consumers looked up on another port than workerMetricsPort") {
    temp_copy copy{root / "deploy/prometheus"};
    copy.edit("prometheus.yml", "port: 9091", "port: 9092");
    auto found = after([&](YAML::Node& stack) {
      remount(stack, "prometheus", prometheus_yml,
              (copy.path / "prometheus.yml").string() + ":" + prometheus_yml);
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"job consumer", "consumer:9092", "no port 9092"}));
  }
  SECTION("a target that is no service") {
    auto found = scraping("scrape_configs:\n"
                          "  - job_name: server\n"
                          "    static_configs:\n"
                          "      - targets: ['semiasync:8080']\n"
                          + consumer_job);
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"semiasync:8080", "no service of this stack"}));
    CHECK(mentions(found, {"server", "no Prometheus job scrapes"}));
  }
  SECTION("the scrape config not mounted") {
    auto found = after([&](YAML::Node& stack) {
      remount(stack, "prometheus", prometheus_yml, "");
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"prometheus", "no scrape config mounted"}));
  }
  SECTION("a provisioning folder that is not in the repository") {
    auto found = after([](YAML::Node& stack) {
      remount(stack, "grafana", "/etc/grafana/provisioning",
              "./deploy/grafana/provisionin:/etc/grafana/provisioning:ro");
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"grafana", "provisionin", "does not exist"}));
    CHECK(mentions(found, {"grafana", "no provisioning folder mounted"}));
  }
  SECTION("the dashboards folder not mounted") {
    auto found = after([](YAML::Node& stack) {
      remount(stack, "grafana", "/etc/grafana/dashboards", "");
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(
      found, {"grafana", "/etc/grafana/dashboards", "no folder mounted"}));
    CHECK(mentions(found, {"home dashboard"}));
  }
  SECTION("a data source on a port Prometheus does not serve") {
    temp_copy copy{root / "deploy/grafana/provisioning"};
    copy.edit("datasources/prometheus.yaml", "prometheus:9090",
              "prometheus:9091");
    auto found = after([&](YAML::Node& stack) {
      remount(stack, "grafana", "/etc/grafana/provisioning",
              copy.path.string() + ":/etc/grafana/provisioning:ro");
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"data source", "prometheus:9091"}));
  }
  SECTION("a dashboard naming a data source that is not provisioned") {
    temp_copy copy{root / "deploy/grafana/provisioning"};
    copy.edit("datasources/prometheus.yaml", "uid: semiasync-prometheus",
              "uid: prometheus");
    auto found = after([&](YAML::Node& stack) {
      remount(stack, "grafana", "/etc/grafana/provisioning",
              copy.path.string() + ":/etc/grafana/provisioning:ro");
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(
      found, {"semiasync.json", "semiasync-prometheus", "not provisioned"}));
  }
  SECTION("Grafana mapped to a port it does not serve") {
    auto found = after([](YAML::Node& stack) {
      service(stack, "grafana")["ports"][0] = "127.0.0.1:3000:3001";
    });
    INFO("problems:\n" << shown(found));
    CHECK(mentions(found, {"grafana", "port mapping", "3001"}));
  }
}
