#include "kafka/client_config.hpp"

#include "domain/error.hpp"

#include <librdkafka/rdkafkacpp.h>

namespace semiasync::kafka {

properties producer_defaults(const std::string& brokers,
                             std::chrono::milliseconds delivery_timeout) {
  return {
    {"bootstrap.servers", brokers},
    {"enable.idempotence", "true"},
    {"acks", "all"},
    {"linger.ms", "1"},
    {"socket.nagle.disable", "true"},
    {"message.timeout.ms", std::to_string(delivery_timeout.count())},
  };
}

properties consumer_defaults(const std::string& brokers,
                             const std::string& group_id) {
  return {
    {"bootstrap.servers", brokers},
    {"group.id", group_id},
    {"enable.auto.commit", "true"},
    // Only offsets we store after processing get committed (at-least-once).
    {"enable.auto.offset.store", "false"},
    {"auto.commit.interval.ms", "1000"},
    {"auto.offset.reset", "earliest"},
    {"fetch.wait.max.ms", "10"},
    {"socket.nagle.disable", "true"},
  };
}

namespace {

caf::error apply(RdKafka::Conf& conf, const properties& props) {
  for (const auto& [name, value] : props) {
    std::string reason;
    if (conf.set(name, value, reason) != RdKafka::Conf::CONF_OK)
      return make_error(error_code::unavailable,
                        "invalid Kafka property '" + name + "': " + reason);
  }
  return {};
}

} // namespace

caf::expected<std::unique_ptr<RdKafka::Conf>>
make_conf(const properties& defaults, const properties& overrides) {
  std::unique_ptr<RdKafka::Conf> conf{
    RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL)};
  if (auto err = apply(*conf, defaults))
    return err;
  if (auto err = apply(*conf, overrides))
    return err;
  return conf;
}

} // namespace semiasync::kafka
