#include "app/outcome_readers.hpp"

#include "domain/error.hpp"
#include "logging/log.hpp"

namespace semiasync {

caf::expected<outcome_reader> read_outcomes(const config::settings& cfg,
                                            const std::string& instance,
                                            const std::string& topic,
                                            std::chrono::milliseconds timeout) {
  auto group = "semiasync-server-" + instance;
  if (cfg.outcome_routing != config::outcome_routing::steered) {
    auto all = kafka::consumer::assign_from_end(cfg.kafka_brokers, group, topic,
                                                timeout, cfg.kafka_overrides());
    if (!all) return std::move(all.error());
    return outcome_reader{std::move(*all), nullptr};
  }
  auto choose = [&](int32_t count) {
    return owned_reply_partitions(cfg.reply_partitions, instance, count);
  };
  auto own = kafka::consumer::assign_chosen_from_end(
    cfg.kafka_brokers, group, topic, choose, timeout, cfg.kafka_overrides());
  if (!own) return std::move(own.error());
  std::shared_ptr<kafka::consumer> source = std::move(*own);
  auto route = std::make_shared<reply_route>(source->owned_partitions(topic));
  return outcome_reader{std::move(source), std::move(route)};
}

caf::expected<route_readers>
read_route_outcomes(const config::settings& cfg, const std::string& instance,
                    std::chrono::milliseconds timeout) {
  route_readers result;
  for (const auto& route : cfg.routes) {
    if (result.count(route.outcome_topic) > 0) continue;
    auto reader = read_outcomes(cfg, instance, route.outcome_topic, timeout);
    if (!reader)
      return make_error(code_of(reader.error()) == error_code::none
                          ? error_code::broker_unavailable
                          : code_of(reader.error()),
                        "route '" + route.name + "', topic "
                          + route.outcome_topic + ": "
                          + detail_of(reader.error()));
    result.emplace(route.outcome_topic, std::move(*reader));
  }
  return result;
}

std::function<std::optional<int32_t>()>
reply_partitions_from(std::shared_ptr<reply_route> route) {
  if (!route) return {};
  return [route]() -> std::optional<int32_t> {
    return route->next();
  };
}

std::function<std::optional<int32_t>(const std::string& topic)>
reply_partitions_by_topic(const route_readers& readers) {
  std::map<std::string, std::shared_ptr<reply_route>> routes;
  for (const auto& [topic, reader] : readers)
    if (reader.route) routes.emplace(topic, reader.route);
  if (routes.empty()) return {};
  return [routes](const std::string& topic) -> std::optional<int32_t> {
    auto i = routes.find(topic);
    if (i == routes.end()) return std::nullopt;
    return i->second->next();
  };
}

} // namespace semiasync
