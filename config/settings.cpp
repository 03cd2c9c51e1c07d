#include "config/settings.hpp"

namespace semiasync::config {

std::string settings::effective_dead_letter_topic() const {
  return dead_letter_topic.empty() ? request_topic + ".dlq" : dead_letter_topic;
}

} // namespace semiasync::config
