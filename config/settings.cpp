#include "config/settings.hpp"

namespace semiasync::config {

std::string settings::effective_dead_letter_topic() const {
  return dead_letter_topic.empty() ? request_topic + ".dlq" : dead_letter_topic;
}

tracing::tracing_settings settings::traces() const {
  return {.endpoint = traces_endpoint,
          .protocol = traces_protocol,
          .sampler = traces_sampler,
          .sampler_arg = traces_sampler_arg};
}

db::connection_settings settings::db_connection() const {
  return {.host = db_host,
          .port = db_port,
          .user = db_user,
          .password = db_password,
          .database = db_name};
}

std::map<std::string, std::string> settings::kafka_overrides() const {
  auto result = kafka_properties;
  if (!kafka_sasl_password.empty())
    result["sasl.password"] = kafka_sasl_password;
  return result;
}

} // namespace semiasync::config
