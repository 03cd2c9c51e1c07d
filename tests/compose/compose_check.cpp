#include "tests/compose/compose_check.hpp"

#include "config/load.hpp"
#include "config/setting_table.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

namespace semiasync::compose_check {

namespace {

namespace fs = std::filesystem;
using env_map = std::map<std::string, std::string>;

// ---------------------------------------------------------------- YAML

std::string key_of(const YAML::Node& key) {
  return key.IsScalar() ? key.Scalar() : std::string{};
}

/// `node[key]`, or a null node when there is none: yaml-cpp's missing entries
/// are invalid nodes that throw on most questions.
YAML::Node get(const YAML::Node& node, const std::string& key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node{};
  const YAML::Node found = node[key];
  return found.IsDefined() ? found : YAML::Node{};
}

bool defined(const YAML::Node& node, const std::string& key) {
  return node.IsDefined() && node.IsMap() && node[key].IsDefined();
}

/// A deep copy with YAML merge keys (`<<: *anchor`, `<<: [*a, *b]`) applied:
/// yaml-cpp 0.7 keeps `<<` as an ordinary key. Local keys win, then earlier
/// sources, as YAML 1.1 says.
YAML::Node with_merges(const YAML::Node& node) {
  if (node.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& item : node)
      out.push_back(with_merges(item));
    return out;
  }
  if (!node.IsMap()) return YAML::Clone(node);
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& entry : node)
    if (key_of(entry.first) != "<<")
      out[key_of(entry.first)] = with_merges(entry.second);
  const YAML::Node sources = get(node, "<<");
  std::vector<YAML::Node> list;
  if (sources.IsSequence())
    for (const auto& source : sources)
      list.push_back(source);
  else if (sources.IsMap())
    list.push_back(sources);
  for (const auto& source : list) {
    auto resolved = with_merges(source);
    for (const auto& entry : resolved)
      if (!defined(out, key_of(entry.first)))
        out[key_of(entry.first)] = entry.second;
  }
  return out;
}

/// How compose merges a later file into an earlier one.
YAML::Node merged(const YAML::Node& base, const YAML::Node& over,
                  const std::string& key) {
  static const std::set<std::string> replaced{"command", "entrypoint", "test"};
  if (base.IsMap() && over.IsMap()) {
    YAML::Node out = YAML::Clone(base);
    for (const auto& entry : over) {
      auto name = key_of(entry.first);
      YAML::Node before = get(out, name);
      out[name] = before.IsDefined() ? merged(before, entry.second, name)
                                     : YAML::Clone(entry.second);
    }
    return out;
  }
  if (base.IsSequence() && over.IsSequence() && !replaced.count(key)) {
    YAML::Node out = YAML::Clone(base);
    for (const auto& item : over)
      out.push_back(YAML::Clone(item));
    return out;
  }
  return YAML::Clone(over);
}

/// A scalar's text, interpolated; "" for anything else.
std::string text(const YAML::Node& node) {
  return node.IsScalar() ? interpolate(node.Scalar()) : std::string{};
}

/// A scalar or a sequence of scalars, interpolated.
std::vector<std::string> texts(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node.IsScalar()) out.push_back(text(node));
  if (node.IsSequence())
    for (const auto& item : node)
      out.push_back(text(item));
  return out;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts)
    out += (out.empty() ? "" : " ") + part;
  return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  for (;;) {
    auto end = text.find(separator, begin);
    out.push_back(text.substr(begin, end - begin));
    if (end == std::string::npos) return out;
    begin = end + 1;
  }
}

std::optional<int> to_port(const std::string& text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  for (unsigned char c : text)
    if (!std::isdigit(c)) return std::nullopt;
  int value = std::stoi(text);
  if (value < 1 || value > 65535) return std::nullopt;
  return value;
}

// ---------------------------------------------------------------- services

/// One entry of `ports:`.
struct mapping {
  std::string shown;
  std::optional<int> published; // none: a random host port
  std::optional<int> target;    // none: not a single port
};

std::vector<mapping> mappings_of(const YAML::Node& service) {
  std::vector<mapping> out;
  const YAML::Node ports = get(service, "ports");
  if (!ports.IsSequence()) return out;
  for (const auto& item : ports) {
    mapping entry;
    if (item.IsMap()) {
      entry.shown = "target " + text(get(item, "target"));
      entry.target = to_port(text(get(item, "target")));
      entry.published = to_port(text(get(item, "published")));
    } else {
      entry.shown = text(item);
      auto parts = split(entry.shown.substr(0, entry.shown.find('/')), ':');
      entry.target = to_port(parts.back());
      if (parts.size() >= 2) entry.published = to_port(parts[parts.size() - 2]);
    }
    out.push_back(entry);
  }
  return out;
}

env_map environment_of(const YAML::Node& service) {
  env_map out;
  const YAML::Node env = get(service, "environment");
  if (env.IsMap()) {
    for (const auto& entry : env)
      out[key_of(entry.first)] = text(entry.second);
  } else if (env.IsSequence()) {
    for (const auto& item : env) {
      auto line = item.IsScalar() ? item.Scalar() : std::string{};
      auto eq = line.find('=');
      out[line.substr(0, eq)]
        = eq == std::string::npos ? "" : interpolate(line.substr(eq + 1));
    }
  }
  return out;
}

/// Bind mounts: container path -> host path (relative ones from project_dir).
/// Named volumes are left out.
std::map<std::string, fs::path> binds_of(const YAML::Node& service,
                                         const fs::path& project_dir) {
  std::map<std::string, fs::path> out;
  const YAML::Node volumes = get(service, "volumes");
  if (!volumes.IsSequence()) return out;
  for (const auto& item : volumes) {
    std::string source, target;
    if (item.IsMap()) {
      if (text(get(item, "type")) != "bind") continue;
      source = text(get(item, "source"));
      target = text(get(item, "target"));
    } else {
      auto parts = split(text(item), ':');
      if (parts.size() < 2) continue;
      source = parts[0];
      target = parts[1];
    }
    if (source.empty() || (source[0] != '.' && source[0] != '/')) continue;
    fs::path path{source};
    out[target] = path.is_absolute() ? path : project_dir / path;
  }
  return out;
}

/// `depends_on` in either form: service -> condition.
std::map<std::string, std::string> dependencies_of(const YAML::Node& service) {
  std::map<std::string, std::string> out;
  const YAML::Node deps = get(service, "depends_on");
  if (deps.IsSequence())
    for (const auto& item : deps)
      out[text(item)] = "service_started";
  if (deps.IsMap())
    for (const auto& entry : deps) {
      auto condition = text(get(entry.second, "condition"));
      out[key_of(entry.first)]
        = condition.empty() ? "service_started" : condition;
    }
  return out;
}

bool has_healthcheck(const YAML::Node& service) {
  const YAML::Node check = get(service, "healthcheck");
  if (!check.IsMap() || text(get(check, "disable")) == "true") return false;
  auto test = texts(get(check, "test"));
  return !test.empty() && test[0] != "NONE";
}

/// A Kafka listener list, "NAME://host:port,...": name -> (host, port).
std::map<std::string, std::pair<std::string, int>>
listeners(const std::string& list) {
  std::map<std::string, std::pair<std::string, int>> out;
  for (const auto& entry : split(list, ',')) {
    auto scheme = entry.find("://");
    auto colon = entry.rfind(':');
    if (scheme == std::string::npos || colon <= scheme + 2) continue;
    auto port = to_port(entry.substr(colon + 1));
    if (!port) continue;
    out[entry.substr(0, scheme)]
      = {entry.substr(scheme + 3, colon - scheme - 3), *port};
  }
  return out;
}

struct service {
  std::string name;
  YAML::Node node;
  env_map env;
  std::string image;
  /// Runs the semiasync binary: built here, or the image of one that is.
  bool semiasync = false;
  /// What the binary would run with, when it would start.
  std::optional<config::settings> settings;
  /// Ports it listens on, when a rule below knows them.
  std::optional<std::set<int>> listens;
  /// Kafka only: listener name -> (host, port), bound and advertised.
  std::map<std::string, std::pair<std::string, int>> bound, advertised;
  /// A trace backend's OTLP/HTTP receiver port, when a rule knows it.
  std::optional<int> otlp_http;
};

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool is_kafka(const service& s) {
  return starts_with(s.image, "apache/kafka");
}

bool is_mariadb(const service& s) {
  return starts_with(s.image, "mariadb") || starts_with(s.image, "mysql");
}

bool is_kafka_ui(const service& s) {
  return s.image.find("kafka-ui") != std::string::npos;
}

bool is_prometheus(const service& s) {
  return s.image.find("prom/prometheus") != std::string::npos;
}

bool is_grafana(const service& s) {
  return s.image.find("grafana/grafana") != std::string::npos;
}

/// Jaeger v2 (jaegertracing/jaeger; v1 was jaegertracing/all-in-one).
bool is_jaeger(const service& s) {
  return starts_with(s.image, "jaegertracing/jaeger:")
         || s.image.find("/jaegertracing/jaeger:") != std::string::npos;
}

/// The two variables that name where traces go (either one turns tracing on).
const std::string otlp_endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
const std::string otlp_traces_endpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

/// The OpenTelemetry variables semiasync's tracing reads: the endpoints and
/// the on/off switch, sampler and resource it handles itself, and the exporter
/// options the SDK reads (docs/design/issue18-otel-research.md, section 1).
const std::set<std::string>& otel_variables() {
  static const std::set<std::string> names{
    otlp_endpoint,
    otlp_traces_endpoint,
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
  };
  return names;
}

/// The value of `--name=value` in a command, if given.
std::optional<std::string> flag_of(const service& s, const std::string& name) {
  for (const auto& arg : texts(get(s.node, "command")))
    if (starts_with(arg, "--" + name + "=")) return arg.substr(name.size() + 3);
  return std::nullopt;
}

/// Where a path inside the container is on the host, through the bind mount
/// whose target is its longest prefix; none when no bind covers it.
std::optional<fs::path> host_path(const std::map<std::string, fs::path>& binds,
                                  const std::string& container_path) {
  std::optional<fs::path> out;
  std::size_t best = 0;
  for (const auto& [target, source] : binds) {
    bool covers = container_path == target
                  || (starts_with(container_path, target)
                      && container_path[target.size()] == '/');
    if (!covers || target.size() < best) continue;
    best = target.size();
    auto rest = container_path.substr(target.size());
    out = rest.empty() ? source : source / rest.substr(1);
  }
  return out;
}

/// The YAML files of a folder, sorted.
std::vector<fs::path> yaml_files(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto& file : fs::directory_iterator(dir))
      if (file.path().extension() == ".yaml"
          || file.path().extension() == ".yml")
        out.push_back(file.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// "http://host:port/...": host and port (80 when none is given).
std::optional<std::pair<std::string, int>>
http_address(const std::string& url) {
  static const std::regex pattern{
    R"(^https?://([A-Za-z0-9_.-]+)(?::(\d+))?(/.*)?$)"};
  std::smatch match;
  if (!std::regex_match(url, match, pattern)) return std::nullopt;
  auto port = match[2].matched ? to_port(match[2]) : std::optional<int>{80};
  if (!port) return std::nullopt;
  return std::make_pair(std::string(match[1]), *port);
}

class checker {
public:
  checker(const YAML::Node& stack, fs::path project_dir)
    : project_dir_(std::move(project_dir)) {
    const YAML::Node services = get(stack, "services");
    if (!services.IsMap()) {
      fail("no services");
      return;
    }
    std::set<std::string> built;
    for (const auto& entry : services) {
      service s;
      s.name = key_of(entry.first);
      s.node = entry.second;
      s.env = environment_of(s.node);
      s.image = text(get(s.node, "image"));
      if (defined(s.node, "build"))
        built.insert(s.image.empty() ? s.name : s.image);
      services_.push_back(std::move(s));
    }
    for (auto& s : services_)
      s.semiasync = defined(s.node, "build") || built.count(s.image) > 0;
  }

  problems run() {
    for (auto& s : services_)
      learn_ports(s);
    for (const auto& s : services_) {
      check_variables(s);
      check_ports(s);
      check_addresses(s);
      check_dependencies(s);
      check_mounts(s);
      check_trace_endpoints(s);
      if (text(get(s.node, "restart")).empty())
        fail(s.name + ": no restart policy");
      if (s.semiasync && s.settings) check_semiasync_peers(s);
      if (is_mariadb(s)) check_mariadb(s);
      if (is_prometheus(s)) check_prometheus(s);
      if (is_grafana(s)) check_grafana(s);
    }
    check_scraped();
    check_published_once();
    return std::move(problems_);
  }

  /// After run(): scrape job -> the process (server, consumer) it scrapes.
  const std::map<std::string, std::string>& jobs() const {
    return jobs_;
  }

  /// After run(): the dashboard files Grafana provisions, on the host.
  const std::vector<fs::path>& dashboards() const {
    return dashboards_;
  }

private:
  void fail(std::string message) {
    problems_.push_back(std::move(message));
  }

  const service* find(const std::string& host) const {
    for (const auto& s : services_)
      if (s.name == host || text(get(s.node, "hostname")) == host) return &s;
    return nullptr;
  }

  // ------------------------------------------------------------ semiasync

  /// The settings semiasync would run with, as config::load computes them,
  /// with the config file read from its host side.
  void load_semiasync(service& s) {
    std::set<std::string> accepted{"SEMIASYNC_CONFIG"};
    accepted.insert(otel_variables().begin(), otel_variables().end());
    std::set<std::string> keys;
    for (const auto& entry : config::setting_table()) {
      accepted.insert(config::env_name(entry.key));
      keys.insert(entry.key);
    }
    for (const auto& [name, value] : s.env)
      if (!accepted.count(name))
        fail(s.name + ": environment variable " + name
             + " is not one semiasync reads (see semiasync --help)");
    auto env = s.env;
    auto config = s.env.find("SEMIASYNC_CONFIG");
    if (config != s.env.end() && !config->second.empty()) {
      auto binds = binds_of(s.node, project_dir_);
      auto bind = binds.find(config->second);
      if (bind == binds.end()) {
        fail(s.name + ": SEMIASYNC_CONFIG=" + config->second
             + " is no file mounted into the container");
        return;
      }
      check_config_keys(s, bind->second, keys);
      env["SEMIASYNC_CONFIG"] = bind->second.string();
    }
    auto args = texts(get(s.node, "command"));
    auto outcome = config::load(args, [&env](const std::string& name) {
      auto found = env.find(name);
      return found == env.end() ? std::nullopt
                                : std::optional<std::string>{found->second};
    });
    if (auto* error = std::get_if<config::load_error>(&outcome)) {
      fail(s.name + ": semiasync would not start: " + error->message);
      return;
    }
    auto& result = std::get<config::load_result>(outcome);
    const auto& positional = result.positional;
    if (positional.size() != 1
        || (positional[0] != "server" && positional[0] != "consumer"
            && positional[0] != "worker")) {
      fail(s.name + ": command '" + joined(args)
           + "' names no process (server, consumer or worker)");
      return;
    }
    s.settings = result.values;
    s.listens = std::set<int>{};
    if (positional[0] == "server")
      s.listens->insert(s.settings->http_port);
    else if (s.settings->worker_metrics_port != 0)
      s.listens->insert(s.settings->worker_metrics_port);
  }

  void check_config_keys(const service& s, const fs::path& file,
                         const std::set<std::string>& keys) {
    auto shown = file.lexically_relative(project_dir_).string();
    if (shown.empty() || starts_with(shown, "..")) shown = file.string();
    if (!fs::is_regular_file(file)) {
      fail(s.name + ": config file " + file.string() + " does not exist");
      return;
    }
    try {
      auto root = YAML::LoadFile(file.string());
      if (!root.IsMap()) {
        fail(shown + ": expected a map of settings");
        return;
      }
      for (const auto& entry : root)
        if (!keys.count(key_of(entry.first)))
          fail(shown + ": '" + key_of(entry.first)
               + "' is not a setting key (see semiasync --help)");
    } catch (const YAML::Exception& e) {
      fail(shown + ": " + e.what());
    }
  }

  /// Brokers, database and topics of a semiasync service are the stack's.
  void check_semiasync_peers(const service& s) {
    const auto& values = *s.settings;
    auto deps = dependencies_of(s.node);
    auto needs_healthy = [&](const service& peer) {
      if (deps[peer.name] != "service_healthy")
        fail(s.name + ": should depend on " + peer.name
             + " with condition service_healthy");
    };

    std::set<std::string> kafka_peers;
    for (const auto& broker : split(values.kafka_brokers, ',')) {
      auto colon = broker.rfind(':');
      auto host = broker.substr(0, colon);
      // 0: no port given (GCC 12 misjudges an optional<int> here).
      int port = colon == std::string::npos
                   ? 0
                   : to_port(broker.substr(colon + 1)).value_or(0);
      const service* peer = find(host);
      if (!peer || !is_kafka(*peer) || port == 0) {
        fail(s.name + ": kafkaBrokers entry '" + broker
             + "' is no Kafka service of this stack");
        continue;
      }
      if (kafka_peers.insert(peer->name).second) needs_healthy(*peer);
      std::optional<std::string> listener;
      for (const auto& [name, bound] : peer->bound)
        if (bound.second == port) listener = name;
      if (!listener) {
        fail(s.name + ": kafkaBrokers entry '" + broker + "': " + peer->name
             + " has no listener on port " + std::to_string(port));
        continue;
      }
      auto adv = peer->advertised.find(*listener);
      if (adv == peer->advertised.end() || !find(adv->second.first))
        fail(s.name + ": kafkaBrokers entry '" + broker + "': listener "
             + *listener + " does not advertise an address of this network");
    }

    const service* db = find(values.db_host);
    if (!db || !is_mariadb(*db)) {
      fail(s.name + ": dbHost '" + values.db_host
           + "' is no MariaDB service of this stack");
    } else {
      needs_healthy(*db);
      if (!db->listens || !db->listens->count(values.db_port))
        fail(s.name + ": dbPort " + std::to_string(values.db_port)
             + " is not the port " + db->name + " listens on");
      auto env = [&](const char* maria, const char* mysql) {
        auto found = db->env.find(maria);
        if (found == db->env.end()) found = db->env.find(mysql);
        return found == db->env.end() ? std::string{} : found->second;
      };
      if (env("MARIADB_DATABASE", "MYSQL_DATABASE") != values.db_name)
        fail(s.name + ": dbName '" + values.db_name + "' is not the database "
             + db->name + " creates (MARIADB_DATABASE)");
      bool root = values.db_user == "root";
      auto password = root ? env("MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD")
                           : env("MARIADB_PASSWORD", "MYSQL_PASSWORD");
      if (!root && env("MARIADB_USER", "MYSQL_USER") != values.db_user)
        fail(s.name + ": dbUser '" + values.db_user + "' is not a user "
             + db->name + " creates");
      else if (password != values.db_password)
        fail(s.name + ": dbPassword differs from " + db->name
             + "'s password for " + values.db_user);
    }

    std::set<std::string> created;
    bool waits_for_topics = false;
    for (const auto& peer : services_) {
      auto topics = peer.env.find("TOPICS");
      if (topics == peer.env.end()) continue;
      std::istringstream words{topics->second};
      for (std::string topic; words >> topic;)
        created.insert(topic);
      if (deps[peer.name] == "service_completed_successfully")
        waits_for_topics = true;
    }
    for (const auto& topic : {values.request_topic, values.outcome_topic,
                              values.effective_dead_letter_topic()})
      if (!created.count(topic))
        fail(s.name + ": topic '" + topic
             + "' is not created by a topic service (TOPICS)");
    if (!waits_for_topics)
      fail(s.name
           + ": should depend on the topic service with condition "
             "service_completed_successfully");
  }

  // ------------------------------------------------------------ everyone

  void learn_ports(service& s) {
    if (s.semiasync) {
      load_semiasync(s);
    } else if (is_kafka(s) && s.env.count("KAFKA_PROCESS_ROLES")) {
      s.bound = listeners(s.env["KAFKA_LISTENERS"]);
      s.advertised = listeners(s.env["KAFKA_ADVERTISED_LISTENERS"]);
      if (s.bound.empty()) fail(s.name + ": KAFKA_LISTENERS names no listener");
      s.listens = std::set<int>{};
      for (const auto& [name, bound] : s.bound)
        s.listens->insert(bound.second);
    } else if (is_mariadb(s)) {
      int port = 3306;
      for (const auto& arg : texts(get(s.node, "command")))
        if (starts_with(arg, "--port="))
          port = to_port(arg.substr(7)).value_or(0);
      s.listens = std::set<int>{port};
    } else if (is_kafka_ui(s)) {
      auto port = s.env.count("SERVER_PORT") ? s.env["SERVER_PORT"] : "8080";
      s.listens = std::set<int>{to_port(port).value_or(0)};
    } else if (is_prometheus(s)) {
      auto address = flag_of(s, "web.listen-address").value_or(":9090");
      s.listens = std::set<int>{
        to_port(address.substr(address.rfind(':') + 1)).value_or(0)};
    } else if (is_grafana(s)) {
      auto port = s.env.count("GF_SERVER_HTTP_PORT")
                    ? s.env["GF_SERVER_HTTP_PORT"]
                    : "3000";
      s.listens = std::set<int>{to_port(port).value_or(0)};
    } else if (is_jaeger(s) && !defined(s.node, "command")) {
      // The image's built-in all-in-one config (TCP ports; a --config of
      // one's own is not read here, so then nothing is known).
      s.listens = std::set<int>{4317,  4318,  5778,  5779,  8888,  9411,
                                13133, 14250, 14268, 16685, 16686, 27777};
      s.otlp_http = 4318;
    }
  }

  void check_variables(const service& s) {
    if (s.semiasync) return; // all of them were checked by load_semiasync
    for (const auto& [name, value] : s.env)
      if (starts_with(name, "SEMIASYNC_"))
        fail(s.name + ": " + name
             + " is set on a service that is not semiasync");
  }

  void check_ports(const service& s) {
    if (s.semiasync && !s.listens) return; // it would not start: reported
    auto check = [&](const std::string& what, std::optional<int> port,
                     const std::string& shown) {
      if (!port) {
        fail(s.name + ": " + what + " '" + shown + "' is not a single port");
      } else if (!s.listens) {
        fail(s.name + ": " + what + " " + shown
             + ": no rule in tests/compose knows which ports this image "
               "listens on");
      } else if (!s.listens->count(*port)) {
        fail(s.name + ": " + what + " " + shown
             + ": the service listens on no port " + std::to_string(*port));
      }
    };
    for (const auto& entry : mappings_of(s.node))
      check("port mapping", entry.target, entry.shown);
    for (const auto& port : texts(get(s.node, "expose")))
      check("exposed port", to_port(port.substr(0, port.find('/'))), port);
    // Probes of its own ports in the health check.
    static const std::regex local{R"((?:127\.0\.0\.1|localhost):(\d+))"};
    auto probe = joined(texts(get(get(s.node, "healthcheck"), "test")));
    for (std::sregex_iterator i{probe.begin(), probe.end(), local}, end;
         i != end; ++i)
      check("health check", to_port((*i)[1]), (*i)[0]);
    // A host listener of Kafka advertised as localhost:<port> is reachable
    // only through a mapping that publishes that same port.
    for (const auto& [name, address] : s.advertised) {
      if (address.first != "localhost" && address.first != "127.0.0.1")
        continue;
      auto bound = s.bound.find(name);
      bool published = false;
      for (const auto& entry : mappings_of(s.node))
        published |= bound != s.bound.end()
                     && entry.target == bound->second.second
                     && entry.published == address.second;
      if (!published)
        fail(s.name + ": listener " + name + " advertises " + address.first
             + ":" + std::to_string(address.second)
             + " but no port mapping publishes it there");
    }
  }

  /// "service:port" in commands, health checks and variables: the service
  /// listens on that port.
  void check_addresses(const service& s) {
    std::vector<std::string> places = texts(get(s.node, "command"));
    for (const auto& part : texts(get(s.node, "entrypoint")))
      places.push_back(part);
    for (const auto& part : texts(get(get(s.node, "healthcheck"), "test")))
      places.push_back(part);
    // Trace endpoints get their own check (check_trace_endpoints).
    for (const auto& [name, value] : s.env)
      if (name != "KAFKA_ADVERTISED_LISTENERS" && name != otlp_endpoint
          && name != otlp_traces_endpoint)
        places.push_back(value);
    static const std::regex address{R"(([A-Za-z][A-Za-z0-9_.-]*):(\d+))"};
    for (const auto& place : places)
      for (std::sregex_iterator i{place.begin(), place.end(), address}, end;
           i != end; ++i) {
        const service* peer = find((*i)[1]);
        auto port = to_port((*i)[2]);
        if (!peer || !peer->listens || !port) continue;
        if (!peer->listens->count(*port))
          fail(s.name + ": '" + std::string((*i)[0]) + "': " + peer->name
               + " listens on no port " + std::to_string(*port));
      }
  }

  /// Where a service sends traces is a service of this stack, on the port
  /// of its OTLP/HTTP receiver (semiasync exports OTLP over HTTP only), and
  /// the URL has the path the variable implies.
  void check_trace_endpoints(const service& s) {
    static const std::regex url{
      R"(^https?://([A-Za-z0-9_.-]+)(?::(\d+))?(/[^?#]*)?$)"};
    for (const auto& name : {otlp_endpoint, otlp_traces_endpoint}) {
      auto found = s.env.find(name);
      if (found == s.env.end() || found->second.empty()) continue;
      const auto& value = found->second;
      auto shown = s.name + ": " + name + "=" + value;
      std::smatch match;
      if (!std::regex_match(value, match, url)) {
        fail(shown + " is no http(s)://host:port URL");
        continue;
      }
      auto host = std::string(match[1]);
      auto port = match[2].matched ? to_port(match[2]) : std::nullopt;
      auto path = std::string(match[3]);
      const service* peer = find(host);
      if (!peer) {
        fail(shown + ": " + host + " is no service of this stack");
      } else if (!port) {
        fail(shown + " names no port (OTLP/HTTP's is 4318)");
      } else if (!peer->listens) {
        fail(shown + ": no rule in tests/compose knows which ports "
             + peer->name + " listens on");
      } else if (!peer->listens->count(*port)) {
        fail(shown + ": " + peer->name + " listens on no port "
             + std::to_string(*port));
      } else if (peer->otlp_http && *peer->otlp_http != *port) {
        fail(shown + ": port " + std::to_string(*port) + " of " + peer->name
             + " is not its OTLP/HTTP receiver ("
             + std::to_string(*peer->otlp_http)
             + "); semiasync exports OTLP over HTTP");
      }
      if (name == otlp_endpoint && path != "" && path != "/")
        fail(shown + ": this is the base URL, /v1/traces is appended to it");
      if (name == otlp_traces_endpoint && path != "/v1/traces")
        fail(shown
             + ": this URL is used as is, so it should end in /v1/traces");
    }
  }

  void check_dependencies(const service& s) {
    for (const auto& [name, condition] : dependencies_of(s.node)) {
      const service* peer = nullptr;
      for (const auto& other : services_)
        if (other.name == name) peer = &other;
      if (!peer) {
        fail(s.name + ": depends on unknown service " + name);
      } else if (condition == "service_healthy"
                 && !has_healthcheck(peer->node)) {
        fail(s.name + ": waits for " + name
             + " to be healthy, which has no health check");
      } else if (condition == "service_completed_successfully") {
        auto restart = text(get(peer->node, "restart"));
        if (restart == "always" || restart == "unless-stopped")
          fail(name + ": a one-shot service (" + s.name
               + " waits for it to complete) must not restart with '" + restart
               + "'");
      }
    }
  }

  void check_mounts(const service& s) {
    for (const auto& [target, source] : binds_of(s.node, project_dir_))
      if (!fs::exists(source))
        fail(s.name + ": the source of bind mount " + target + ", "
             + source.string() + ", does not exist");
  }

  void check_mariadb(const service& s) {
    auto command = joined(texts(get(s.node, "command")));
    if (command.find("--character-set-server=utf8mb4") == std::string::npos)
      fail(s.name + ": should run with --character-set-server=utf8mb4");
    auto binds = binds_of(s.node, project_dir_);
    auto init = binds.find("/docker-entrypoint-initdb.d");
    bool has_sql = false;
    if (init != binds.end() && fs::is_directory(init->second))
      for (const auto& file : fs::directory_iterator(init->second))
        has_sql |= file.path().extension() == ".sql";
    if (!has_sql)
      fail(s.name
           + ": no migrations (*.sql) mounted at /docker-entrypoint-initdb.d");
  }

  // ------------------------------------------------------------ monitoring

  /// Its scrape config is mounted, and every target is a service of this
  /// stack listening on the target's port.
  void check_prometheus(const service& s) {
    auto config
      = flag_of(s, "config.file").value_or("/etc/prometheus/prometheus.yml");
    auto file = host_path(binds_of(s.node, project_dir_), config);
    if (!file || !fs::is_regular_file(*file)) {
      fail(s.name + ": no scrape config mounted at " + config);
      return;
    }
    YAML::Node root;
    try {
      root = YAML::LoadFile(file->string());
    } catch (const YAML::Exception& e) {
      fail(s.name + ": " + file->string() + ": " + e.what());
      return;
    }
    for (const auto& job : get(root, "scrape_configs")) {
      auto name = text(get(job, "job_name"));
      std::vector<std::pair<std::string, std::optional<int>>> targets;
      for (const auto& group : get(job, "static_configs"))
        for (const auto& target : texts(get(group, "targets"))) {
          auto colon = target.rfind(':');
          targets.emplace_back(target.substr(0, colon),
                               colon == std::string::npos
                                 ? std::nullopt
                                 : to_port(target.substr(colon + 1)));
        }
      for (const auto& group : get(job, "dns_sd_configs")) {
        auto type = text(get(group, "type"));
        if (type != "A" && type != "AAAA")
          fail(s.name + ": job " + name
               + ": Docker's DNS answers A records of a service, not '" + type
               + "'");
        for (const auto& host : texts(get(group, "names")))
          targets.emplace_back(host, to_port(text(get(group, "port"))));
      }
      if (targets.empty()) fail(s.name + ": job " + name + " has no targets");
      for (const auto& [host, port] : targets)
        check_target(s, name, get(job, "metrics_path"), host, port);
    }
  }

  void check_target(const service& s, const std::string& job,
                    const YAML::Node& path, const std::string& host,
                    std::optional<int> port) {
    auto shown = host + ":" + (port ? std::to_string(*port) : "?");
    const service* peer = find(host);
    if (!peer) {
      fail(s.name + ": job " + job + ": target " + shown
           + " is no service of this stack");
    } else if (!port) {
      fail(s.name + ": job " + job + ": target " + shown + " names no port");
    } else if (!peer->listens || !peer->listens->count(*port)) {
      fail(s.name + ": job " + job + ": target " + shown + ": " + peer->name
           + " listens on no port " + std::to_string(*port));
    } else if (peer->semiasync) {
      if (!text(path).empty() && text(path) != "/metrics")
        fail(s.name + ": job " + job + ": semiasync serves /metrics, not "
             + text(path));
      auto command = texts(get(peer->node, "command"));
      auto process = command.empty() ? std::string{} : command.back();
      auto [it, fresh] = jobs_.emplace(job, process);
      if (!fresh && it->second != process)
        fail(s.name + ": job " + job + " scrapes both " + it->second + " and "
             + process);
      scraped_.insert(peer->name);
    }
  }

  /// Every semiasync service with a metrics port is scraped, when a
  /// Prometheus runs at all.
  void check_scraped() {
    bool monitored = false;
    for (const auto& s : services_)
      monitored |= is_prometheus(s);
    if (!monitored) return;
    for (const auto& s : services_)
      if (s.semiasync && s.listens && !s.listens->empty()
          && !scraped_.count(s.name))
        fail(s.name + ": no Prometheus job scrapes its /metrics");
  }

  /// Its provisioning is mounted: data sources that are services of this
  /// stack, dashboard providers whose folders are mounted and hold the
  /// dashboards, which name only provisioned data sources.
  void check_grafana(const service& s) {
    auto binds = binds_of(s.node, project_dir_);
    auto at = [&](const std::string& name, const char* fallback) {
      auto found = s.env.find(name);
      return found == s.env.end() ? std::string{fallback} : found->second;
    };
    auto provisioning = host_path(
      binds, at("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning"));
    if (!provisioning || !fs::is_directory(*provisioning)) {
      fail(s.name + ": no provisioning folder mounted");
      return;
    }
    std::set<std::string> uids;
    for (const auto& file : yaml_files(*provisioning / "datasources"))
      for (const auto& source : get(load(s, file), "datasources")) {
        uids.insert(text(get(source, "uid")));
        auto url = text(get(source, "url"));
        auto address = http_address(url);
        const service* peer = address ? find(address->first) : nullptr;
        if (!peer || !peer->listens || !peer->listens->count(address->second))
          fail(s.name + ": data source '" + text(get(source, "name")) + "' at "
               + url + " is no service of this stack listening there");
      }
    if (uids.empty()) fail(s.name + ": no data source provisioned");
    for (const auto& file : yaml_files(*provisioning / "dashboards"))
      for (const auto& provider : get(load(s, file), "providers")) {
        auto path = text(get(get(provider, "options"), "path"));
        auto dir = host_path(binds, path);
        if (!dir || !fs::is_directory(*dir)) {
          fail(s.name + ": dashboard provider '" + text(get(provider, "name"))
               + "' reads " + path + ", which is no folder mounted");
          continue;
        }
        std::size_t before = dashboards_.size();
        for (const auto& entry : fs::recursive_directory_iterator(*dir))
          if (entry.path().extension() == ".json") {
            dashboards_.push_back(entry.path());
            check_datasource_uids(s, entry.path(), uids);
          }
        if (dashboards_.size() == before)
          fail(s.name + ": no dashboard (*.json) in " + dir->string());
      }
    if (dashboards_.empty()) fail(s.name + ": no dashboard provisioned");
    auto home = s.env.find("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
    if (home != s.env.end()) {
      auto file = host_path(binds, home->second);
      if (!file || !fs::is_regular_file(*file))
        fail(s.name + ": the home dashboard " + home->second
             + " is no file mounted");
    }
  }

  YAML::Node load(const service& s, const fs::path& file) {
    try {
      return YAML::LoadFile(file.string());
    } catch (const YAML::Exception& e) {
      fail(s.name + ": " + file.string() + ": " + e.what());
      return YAML::Node{};
    }
  }

  /// Every `"datasource": {"uid": ...}` in a dashboard names one provisioned.
  void check_datasource_uids(const service& s, const fs::path& file,
                             const std::set<std::string>& uids) {
    std::ifstream in{file};
    auto dashboard = nlohmann::json::parse(in, nullptr, false);
    if (dashboard.is_discarded()) {
      fail(s.name + ": " + file.string() + " is not JSON");
      return;
    }
    std::function<void(const nlohmann::json&)> walk
      = [&](const nlohmann::json& node) {
          if (node.is_object()) {
            auto source = node.find("datasource");
            if (source != node.end() && source->is_object()
                && source->contains("uid")
                && !uids.count(source->value("uid", "")))
              fail(s.name + ": " + file.filename().string()
                   + " names data source uid '" + source->value("uid", "")
                   + "', which is not provisioned");
          }
          if (node.is_structured())
            for (const auto& child : node)
              walk(child);
        };
    walk(dashboard);
  }

  void check_published_once() {
    std::map<int, std::string> owner;
    for (const auto& s : services_)
      for (const auto& entry : mappings_of(s.node)) {
        if (!entry.published) continue;
        auto [it, fresh] = owner.emplace(*entry.published, s.name);
        if (!fresh)
          fail("host port " + std::to_string(*entry.published)
               + " is published by both " + it->second + " and " + s.name);
      }
  }

  fs::path project_dir_;
  std::vector<service> services_;
  problems problems_;
  std::map<std::string, std::string> jobs_;
  std::set<std::string> scraped_;
  std::vector<fs::path> dashboards_;
};

} // namespace

std::string interpolate(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i++];
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out += '$';
      i += 2;
    } else if (next == '{') {
      auto close = text.find('}', i + 2);
      if (close == std::string::npos) return out + text.substr(i);
      auto inner = text.substr(i + 2, close - i - 2);
      auto op = inner.find_first_of(":-?+");
      if (op != std::string::npos) {
        auto rest = inner.substr(op);
        if (starts_with(rest, ":-"))
          out += interpolate(rest.substr(2));
        else if (rest[0] == '-')
          out += interpolate(rest.substr(1));
        // ":?", "?", ":+", "+": nothing when unset.
      }
      i = close + 1;
    } else if (std::isalpha(static_cast<unsigned char>(next)) || next == '_') {
      i += 1;
      while (i < text.size()
             && (std::isalnum(static_cast<unsigned char>(text[i]))
                 || text[i] == '_'))
        ++i;
    } else {
      out += text[i++];
    }
  }
  return out;
}

YAML::Node load_stack(const std::vector<std::filesystem::path>& files) {
  YAML::Node stack;
  for (const auto& file : files) {
    auto next = with_merges(YAML::LoadFile(file.string()));
    stack
      = stack.IsDefined() && !stack.IsNull() ? merged(stack, next, "") : next;
  }
  return stack;
}

problems check_stack(const YAML::Node& stack,
                     const std::filesystem::path& project_dir) {
  return checker{stack, project_dir}.run();
}

monitoring monitoring_of(const YAML::Node& stack,
                         const std::filesystem::path& project_dir) {
  checker check{stack, project_dir};
  check.run();
  return {check.jobs(), check.dashboards()};
}

problems check_dockerfile(const std::string& text) {
  // Instructions, with continuation lines joined and comments dropped.
  std::vector<std::pair<std::string, std::string>> instructions;
  std::istringstream lines{text};
  std::string line, pending;
  while (std::getline(lines, line)) {
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    pending += line.substr(first);
    if (!pending.empty() && pending.back() == '\\') {
      pending.pop_back();
      pending += ' ';
      continue;
    }
    auto space = pending.find_first_of(" \t");
    auto word = pending.substr(0, space);
    for (auto& c : word)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    instructions.emplace_back(
      word, space == std::string::npos ? "" : pending.substr(space + 1));
    pending.clear();
  }

  // Stages: instructions from one FROM to the next.
  std::vector<std::vector<std::pair<std::string, std::string>>> stages;
  for (const auto& instruction : instructions) {
    if (instruction.first == "FROM") stages.emplace_back();
    if (!stages.empty()) stages.back().push_back(instruction);
  }
  problems out;
  if (stages.size() < 2) {
    out.push_back("Dockerfile: expected a build stage and a runtime stage");
    return out;
  }
  auto runs = [](const auto& stage, const std::string& needle) {
    for (const auto& [word, args] : stage)
      if (word == "RUN" && args.find(needle) != std::string::npos) return true;
    return false;
  };
  const auto& build = stages.front();
  const auto& runtime = stages.back();
  if (!runs(build, "scripts/install-deps --build-only"))
    out.push_back("Dockerfile: the build stage should run scripts/install-deps "
                  "--build-only");
  if (!runs(build, "scripts/build"))
    out.push_back("Dockerfile: the build stage should run scripts/build");
  if (!runs(runtime, "install-deps --runtime-only"))
    out.push_back("Dockerfile: the runtime stage should run "
                  "scripts/install-deps --runtime-only");

  std::string user, healthcheck;
  std::set<int> exposed;
  bool entrypoint = false;
  for (const auto& [word, args] : runtime) {
    if (word == "USER") user = args;
    if (word == "HEALTHCHECK") healthcheck = args;
    if (word == "ENTRYPOINT")
      entrypoint = args.find("semiasync") != std::string::npos;
    if (word == "EXPOSE") {
      std::istringstream ports{args};
      for (std::string port; ports >> port;)
        if (auto value = to_port(port.substr(0, port.find('/'))))
          exposed.insert(*value);
    }
  }
  auto name = user.substr(0, user.find(':'));
  if (name.empty() || name == "root" || name == "0")
    out.push_back(
      "Dockerfile: the runtime stage should run as a non-root USER");
  if (healthcheck.find("/healthz") == std::string::npos)
    out.push_back(
      "Dockerfile: the runtime stage should have a HEALTHCHECK on /healthz");
  if (!entrypoint)
    out.push_back(
      "Dockerfile: the runtime stage should have semiasync as ENTRYPOINT");
  config::settings defaults;
  for (int port : {int{defaults.http_port}, int{defaults.worker_metrics_port}})
    if (!exposed.count(port))
      out.push_back("Dockerfile: should EXPOSE " + std::to_string(port));
  return out;
}

} // namespace semiasync::compose_check
