#include "config/route_settings.hpp"

#include "config/route_yaml.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <yaml-cpp/yaml.h>

namespace semiasync::config {

namespace {

/// How much longer than any reply deadline a route's entry must live: the
/// claim before publishing and the answer after the deadline take a few
/// seconds at most.
constexpr std::chrono::milliseconds retention_margin{60000};

/// The first segment of every path the server answers itself.
const std::vector<std::string>& built_in_prefixes() {
  static const std::vector<std::string> prefixes{"users", "requests", "healthz",
                                                 "readyz", "metrics"};
  return prefixes;
}

/// Why `route` would shadow or be shadowed by a built-in endpoint.
problem built_in_clash(const route_spec& route) {
  const auto& segments = route.path.segments();
  if (segments.empty())
    return "path / is create-user's (POST /), served by the server itself";
  for (const auto& prefix : built_in_prefixes())
    if (!segments[0].is_parameter && segments[0].text == prefix)
      return "path " + route.path.text() + " is under /" + prefix
             + ", which the server serves itself";
  if (segments[0].is_parameter)
    return "path " + route.path.text()
           + " starts with a parameter, which would take the server's own "
             "paths (/users, /requests, ...); start with a literal segment";
  return std::nullopt;
}

} // namespace

std::variant<std::vector<route_spec>, std::string>
read_routes_file(const std::string& path) {
  auto where = "routesFile '" + path + "'";
  try {
    auto root = YAML::LoadFile(path);
    if (root.IsMap()) {
      if (root.size() != 1 || !root["routes"])
        return where + ": expected a list of routes, or a map with key routes";
      root = root["routes"];
    }
    auto parsed = parse_routes(root);
    if (auto why = std::get_if<std::string>(&parsed))
      return where + ": " + *why;
    return parsed;
  } catch (const YAML::BadFile&) {
    std::error_code ec;
    return "cannot read " + where
           + (std::filesystem::exists(path, ec) ? "" : ": no such file");
  } catch (const YAML::Exception& e) {
    return where + ": " + e.what();
  }
}

problem check_routes(const settings& values) {
  std::map<std::string, const route_spec*> readers; // By outcome topic.
  for (const auto& route : values.routes) {
    auto label = "route '" + route.name + "': ";
    if (auto why = built_in_clash(route)) return label + *why;
    for (const auto* topic : {&route.request_topic, &route.outcome_topic})
      if (*topic == values.request_topic || *topic == values.outcome_topic
          || *topic == values.effective_dead_letter_topic())
        return label + "topic '" + *topic
               + "' is create-user's (requestTopic, outcomeTopic, "
                 "deadLetterTopic)";
    // As for create-user: a produce that outlives the reply deadline could
    // never be answered 503, nor give its Idempotency-Key back.
    if (route.reply_timeout && *route.reply_timeout <= values.produce_timeout)
      return label + "replyTimeoutMs ("
             + std::to_string(route.reply_timeout->count())
             + ") must be more than produceTimeoutMs ("
             + std::to_string(values.produce_timeout.count()) + ")";
    if (route.request_topic == route.outcome_topic)
      return label + "requestTopic and outcomeTopic must differ (both '"
             + route.request_topic + "')";
    auto [first, fresh] = readers.emplace(route.outcome_topic, &route);
    if (!fresh
        && (first->second->protocol != route.protocol
            || first->second->type_header != route.type_header))
      return label + "outcomeTopic '" + route.outcome_topic
             + "' is read by route '" + first->second->name
             + "' with another replyProtocol or typeHeader";
  }
  if (!values.routes.empty()) {
    // An entry that expired while its request still waits would let a
    // retry of its key publish the request a second time.
    auto longest = std::max(values.reply_timeout, values.max_wait);
    for (const auto& route : values.routes)
      if (route.reply_timeout)
        longest = std::max(longest, *route.reply_timeout);
    if (values.idempotency_retention < longest + retention_margin)
      return "idempotencyRetentionMs ("
             + std::to_string(values.idempotency_retention.count())
             + ") must exceed the longest reply deadline ("
             + std::to_string(longest.count()) + " ms) by at least "
             + std::to_string(retention_margin.count()) + " ms";
  }
  for (const auto& route : values.routes)
    if (readers.count(route.request_topic) > 0)
      return "route '" + route.name + "': requestTopic '" + route.request_topic
             + "' is another route's outcomeTopic";
  return std::nullopt;
}

} // namespace semiasync::config
