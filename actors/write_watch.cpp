#include "actors/write_watch.hpp"

#include "logging/log.hpp"

#include <map>

namespace semiasync {

poller_actor::behavior_type
write_watch(poller_actor::pointer self, std::vector<std::string> topics,
            write_check_function check, caf::timespan interval,
            std::shared_ptr<kafka::write_gate> gate) {
  // Consecutive rounds that found each topic unwritable.
  auto refusals = std::make_shared<std::map<std::string, int>>();
  self->send(self, poll_atom::value);
  return {
    [self, topics, check, interval, gate, refusals](poll_atom) {
      for (const auto& topic : topics) {
        auto found = check(topic);
        auto& count = (*refusals)[topic];
        count = found ? count + 1 : 0;
        // One round's finding may be a glitch; a second one is not. Opening
        // needs no such care: a wrong "writable" costs a normal attempt.
        auto now = count >= write_watch_rounds_to_close ? found : std::nullopt;
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
