#include "config/settings.hpp"

namespace semiasync::config {

std::string settings::effective_dead_letter_topic() const {
  return dead_letter_topic.empty() ? request_topic + ".dlq" : dead_letter_topic;
}

std::map<std::string, std::string> settings::kafka_overrides() const {
  std::map<std::string, std::string> result;
  // The text was normalised by its setting: "name=value;name=value".
  std::size_t begin = 0;
  while (begin < kafka_properties.size()) {
    auto end = kafka_properties.find(';', begin);
    auto entry = kafka_properties.substr(begin, end - begin);
    auto eq = entry.find('=');
    result[entry.substr(0, eq)] = entry.substr(eq + 1);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  if (!kafka_sasl_password.empty())
    result["sasl.password"] = kafka_sasl_password;
  return result;
}

} // namespace semiasync::config
