#include "config/route_yaml.hpp"

#include "config/nearest_name.hpp"
#include "config/setting_table.hpp"
#include "config/yaml_line.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace semiasync::config {

namespace {

/// Every key a route may have, as the README and `--help` spell them.
const std::vector<std::string>& route_keys() {
  static const std::vector<std::string> keys{
    "name",          "method",     "path",         "requestTopic",
    "outcomeTopic",  "key",        "maxBodyBytes", "requiredFields",
    "replyProtocol", "typeHeader", "outcomes",     "replyTimeoutMs"};
  return keys;
}

/// Every key an outcome rule may have.
const std::vector<std::string>& outcome_keys() {
  static const std::vector<std::string> keys{"status", "body", "location"};
  return keys;
}

/// The largest body a route may accept: its record must fit a Kafka
/// record's default limit (message.max.bytes, 1 MiB and a little).
constexpr unsigned long long max_route_body = 1024 * 1024;

/// Thrown inside one route's parsing, caught once with the route's name.
struct refusal {
  std::string why;
};

/// Refuses keys of `map` that are not in `known`, naming the nearest one.
void refuse_unknown_keys(const YAML::Node& map,
                         const std::vector<std::string>& known,
                         const std::string& where) {
  for (const auto& item : map) {
    auto key = item.first.Scalar();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    auto nearest = find_nearest(key, known);
    throw refusal{where + "unknown key '" + key + "'"
                  + (nearest.name.empty()
                       ? std::string{}
                       : "; did you mean '" + nearest.name + "'?")};
  }
}

/// The text of `map[key]`; nothing when absent, refused when not a value.
std::optional<std::string> text_of(const YAML::Node& map, const char* key) {
  auto node = map[key];
  if (!node || node.IsNull()) return std::nullopt;
  if (!node.IsScalar()) throw refusal{std::string{key} + " must be a value"};
  return node.Scalar();
}

std::string required_text(const YAML::Node& map, const char* key) {
  auto text = text_of(map, key);
  if (!text || text->empty()) throw refusal{std::string{key} + " is missing"};
  return *text;
}

/// A whole number of `map[key]` in min..max, or `fallback` when absent.
uint64_t number_of(const YAML::Node& map, const char* key, uint64_t min,
                   uint64_t max, uint64_t fallback) {
  auto text = text_of(map, key);
  if (!text) return fallback;
  uint64_t value = 0;
  auto last = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), last, value);
  if (text->empty() || ec != std::errc{} || ptr != last || value < min
      || value > max)
    throw refusal{std::string{key} + " must be a whole number in "
                  + std::to_string(min) + ".." + std::to_string(max)};
  return value;
}

/// The values of a list `map[key]`; empty when absent.
std::vector<std::string> list_of(const YAML::Node& map, const char* key) {
  std::vector<std::string> result;
  auto node = map[key];
  if (!node || node.IsNull()) return result;
  if (!node.IsSequence())
    throw refusal{std::string{key} + " must be a list of values"};
  for (const auto& item : node) {
    if (!item.IsScalar() || item.Scalar().empty())
      throw refusal{std::string{key} + " must be a list of values"};
    result.push_back(item.Scalar());
  }
  return result;
}

std::string topic_of(const YAML::Node& map, const char* key) {
  auto topic = required_text(map, key);
  if (auto why = kafka_topic_problem(topic))
    throw refusal{std::string{key} + " '" + topic + "': " + *why};
  return topic;
}

record_key key_of(const YAML::Node& map, const path_template& path) {
  auto text = required_text(map, "key");
  if (text.rfind("path:", 0) == 0) {
    auto name = text.substr(5);
    if (!path.has_parameter(name))
      throw refusal{"key '" + text + "' names no parameter of the path"};
    return {record_key::source::path_parameter, name};
  }
  if (text.rfind("body:", 0) == 0) {
    auto pointer = text.substr(5);
    // A JSON pointer (RFC 6901) is empty or starts with '/'; the empty one
    // (the whole body) is no key.
    if (pointer.size() < 2 || pointer.front() != '/')
      throw refusal{"key '" + text + "' needs a JSON pointer such as body:/id"};
    // RFC 6901: '~' escapes only '~0' ('~') and '~1' ('/').
    for (std::size_t i = 0; i < pointer.size(); ++i)
      if (pointer[i] == '~'
          && (i + 1 == pointer.size()
              || (pointer[i + 1] != '0' && pointer[i + 1] != '1')))
        throw refusal{"key '" + text + "': '~' must be followed by 0 or 1"};
    return {record_key::source::body_pointer, pointer};
  }
  throw refusal{"key '" + text
                + "' must be path:<parameter> or body:<JSON pointer>"};
}

reply_protocol protocol_of(const YAML::Node& map) {
  auto text = text_of(map, "replyProtocol").value_or("semiasync");
  if (text == "semiasync") return reply_protocol::semiasync;
  if (text == "spring") return reply_protocol::spring;
  throw refusal{"replyProtocol '" + text + "' must be semiasync or spring"};
}

/// Spring services name the type where their serializer puts it; ours
/// always say `eventType`.
std::string type_header_of(const YAML::Node& map, reply_protocol protocol) {
  auto text = text_of(map, "typeHeader");
  if (protocol == reply_protocol::semiasync) {
    if (text && *text != "eventType")
      throw refusal{"typeHeader is eventType for replyProtocol semiasync"};
    return "eventType";
  }
  if (!text) return "__TypeId__";
  if (text->empty()) throw refusal{"typeHeader must name a header"};
  return *text;
}

std::vector<outcome_rule> outcomes_of(const YAML::Node& map) {
  auto node = map["outcomes"];
  if (!node || !node.IsMap() || node.size() == 0)
    throw refusal{"outcomes must map each event type to its answer"};
  std::vector<outcome_rule> result;
  for (const auto& item : node) {
    outcome_rule rule;
    rule.event_type = item.first.Scalar();
    auto where = "outcome '" + rule.event_type + "': ";
    if (!item.second.IsMap())
      throw refusal{where + "must be a map with status, body, location"};
    refuse_unknown_keys(item.second, outcome_keys(), where);
    try {
      rule.status
        = static_cast<uint16_t>(number_of(item.second, "status", 200, 599, 0));
      if (rule.status == 0) throw refusal{"status is missing"};
      rule.body_fields = list_of(item.second, "body");
      rule.location = text_of(item.second, "location").value_or("");
    } catch (const refusal& r) {
      throw refusal{where + r.why};
    }
    result.push_back(std::move(rule));
  }
  return result;
}

const std::set<std::string>& state_changing_methods() {
  static const std::set<std::string> methods{"POST", "PUT", "PATCH", "DELETE"};
  return methods;
}

route_spec route_of(const YAML::Node& map) {
  refuse_unknown_keys(map, route_keys(), "");
  route_spec route;
  route.method = required_text(map, "method");
  if (state_changing_methods().count(route.method) == 0)
    throw refusal{"method '" + route.method
                  + "' must be POST, PUT, PATCH or DELETE"};
  auto path_text = required_text(map, "path");
  auto path = path_template::parse(path_text);
  if (auto why = std::get_if<std::string>(&path))
    throw refusal{"path '" + path_text + "' " + *why};
  route.path = std::get<path_template>(std::move(path));
  route.name = text_of(map, "name").value_or(route.method + " " + path_text);
  // The name keys the route's Idempotency-Keys in the gateway's store
  // (255 bytes at most there) and labels its metrics.
  if (route.name.empty() || route.name.size() > 255)
    throw refusal{"name must be 1 to 255 bytes"};
  route.request_topic = topic_of(map, "requestTopic");
  route.outcome_topic = topic_of(map, "outcomeTopic");
  route.key = key_of(map, route.path);
  route.max_body_bytes
    = number_of(map, "maxBodyBytes", 1, max_route_body, route.max_body_bytes);
  route.required_fields = list_of(map, "requiredFields");
  route.protocol = protocol_of(map);
  route.type_header = type_header_of(map, route.protocol);
  route.outcomes = outcomes_of(map);
  if (map["replyTimeoutMs"])
    route.reply_timeout = std::chrono::milliseconds{
      number_of(map, "replyTimeoutMs", 1, 600000, 0)};
  return route;
}

/// How route `index` is named in a refusal: its name or method and path
/// when they can be read, its position otherwise.
std::string label_of(const YAML::Node& map, std::size_t index) {
  auto position = "routes[" + std::to_string(index) + "]";
  if (!map.IsMap()) return position;
  for (auto key : {"name", "path"}) {
    auto node = map[key];
    if (node && node.IsScalar()) {
      auto method = map["method"];
      auto prefix = std::string{key} == "path" && method && method.IsScalar()
                      ? method.Scalar() + " "
                      : std::string{};
      return position + " '" + prefix + node.Scalar() + "'";
    }
  }
  return position;
}

} // namespace

std::string route_keys_help() {
  return R"(
Routes: the gateway's own endpoints, as a YAML list under key routes (in the
--config file, or alone in the routesFile). Without routes the server serves
create-user alone. Each route's keys:
  name            label in logs and metrics; default "<method> <path>"
  method          POST, PUT, PATCH or DELETE (required)
  path            template such as /orders/{orderId}/cancel (required);
                  parameters are whole segments, added to the record's JSON
  requestTopic    topic the request record goes to (required)
  outcomeTopic    topic the service replies on (required)
  key             record key: path:<parameter> or body:<JSON pointer> (required)
  maxBodyBytes    largest accepted body, at most 1048576 (a Kafka record's
                  default limit); default 65536
  requiredFields  top-level fields the JSON body must have; default none
  replyProtocol   semiasync (headers requestUUID, eventType, replyPartition) or
                  spring (kafka_correlationId, kafka_replyTopic,
                  kafka_replyPartition); default semiasync
  typeHeader      spring only: the reply header naming its event type;
                  default __TypeId__
  replyTimeoutMs  this route's reply deadline; default replyTimeoutMs
  outcomes        map of event type to its answer (required):
    status        HTTP status (required)
    body          fields of the reply's JSON that form the answer; default all
    location      Location template such as /orders/{orderId}, filled from
                  path parameters and reply fields; default none
An event type the route does not list is answered 502. Every route keeps
Idempotency-Key answers in the database for idempotencyRetentionMs.
)";
}

std::variant<std::vector<route_spec>, std::string>
parse_routes(const YAML::Node& list) {
  if (!list.IsSequence())
    return "routes" + line_of(list) + ": expected a list of routes";
  std::vector<route_spec> result;
  std::set<std::pair<std::string, std::string>> taken;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto node = list[i];
    auto label = label_of(node, i) + line_of(node);
    if (!node.IsMap()) return label + ": expected a map of route keys";
    try {
      auto route = route_of(node);
      if (!taken.emplace(route.method, route.path.text()).second)
        return label + ": another route already takes " + route.method + " "
               + route.path.text();
      // Two routes of one name would share their Idempotency-Keys: a key
      // used on one would replay its answer on the other.
      if (!names.insert(route.name).second)
        return label + ": another route is already named '" + route.name + "'";
      result.push_back(std::move(route));
    } catch (const refusal& r) {
      return label + ": " + r.why;
    } catch (const YAML::Exception& e) {
      return label + ": " + e.what();
    }
  }
  return result;
}

} // namespace semiasync::config
