// The Docker files, checked without a Docker engine: docker-compose.yaml +
// docker-compose.override.yaml, config/docker.yaml and the Dockerfile against
// the binary's settings (see compose_check.hpp for the rules). Each rule also
// gets a broken copy of the real stack, so a check that could never fail
// would show here.

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "tests/compose/compose_check.hpp"

using namespace semiasync::compose_check;
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
          "mariadb 127.0.0.1:3306:3306", "kafka 127.0.0.1:9093:9093"});
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
