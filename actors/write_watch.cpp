#include "actors/write_watch.hpp"

#include "logging/log.hpp"

namespace semiasync {

poller_actor::behavior_type
write_watch(poller_actor::pointer self, std::vector<std::string> topics,
            write_check_function check, caf::timespan interval,
            std::shared_ptr<kafka::write_gate> gate) {
  self->send(self, poll_atom::value);
  return {
    [self, topics, check, interval, gate](poll_atom) {
      for (const auto& topic : topics) {
        auto now = check(topic);
        auto before = gate->refusal(topic);
        // Log changes only, as the health probe does.
        if (now != before) {
          if (now)
            log(log_level::warn, "kafka", "refusing requests at once: " + *now);
          else
            log(log_level::info, "kafka", topic + " takes writes again");
        }
        gate->set(topic, std::move(now));
      }
      self->delayed_send(self, interval, poll_atom::value);
    },
  };
}

} // namespace semiasync
