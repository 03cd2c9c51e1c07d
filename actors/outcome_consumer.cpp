#include "actors/outcome_consumer.hpp"

#include "domain/error.hpp"
#include "domain/log.hpp"
#include "domain/wire_codec.hpp"

#include <chrono>

namespace semiasync {

namespace {

/// Records per poll: enough to drain bursts, small enough to stay responsive
/// to other messages such as exit.
constexpr size_t batch_size = 512;

} // namespace

poller_actor::behavior_type
outcome_consumer(poller_actor::stateful_pointer<outcome_consumer_state> self,
                 std::shared_ptr<kafka::record_source> source,
                 registry_actor registry, caf::timespan poll_timeout) {
  auto& st = self->state;
  st.source = std::move(source);
  st.registry = std::move(registry);
  st.poll_timeout = poll_timeout;
  self->send(self, poll_atom::value);
  return {
    [self](poll_atom) {
      auto& st = self->state;
      auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        st.poll_timeout);
      auto batch = st.source->poll(batch_size, timeout);
      if (!batch) {
        log(log_level::warn, "outcome_consumer",
            "poll failed: " + detail_of(batch.error()));
      } else {
        for (auto& rec : *batch) {
          ++st.records_read;
          auto decoded = decode_outcome(rec.message);
          if (!decoded) {
            // Not ours to fix: the worker's dead-letter handling owns bad
            // requests; an undecodable outcome only costs its waiter a 504.
            ++st.records_malformed;
            log(log_level::warn, "outcome_consumer",
                "undecodable outcome at " + kafka::position_of(rec) + ": "
                  + detail_of(decoded.error()));
            continue;
          }
          self->send(st.registry, outcome_atom::value, std::move(*decoded));
        }
      }
      self->send(self, poll_atom::value);
    },
  };
}

} // namespace semiasync
