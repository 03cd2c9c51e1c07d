#include "config/settings.hpp"

namespace semiasync::config {

std::string settings::effective_dead_letter_topic() const {
  return dead_letter_topic.empty() ? request_topic + ".dlq" : dead_letter_topic;
}

std::map<std::string, std::string> settings::kafka_overrides() const {
  auto result = kafka_properties;
  if (!kafka_sasl_password.empty())
    result["sasl.password"] = kafka_sasl_password;
  return result;
}

} // namespace semiasync::config
