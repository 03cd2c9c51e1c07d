#include "actors/gateway_keeper.hpp"

#include "domain/error.hpp"
#include "logging/log.hpp"

namespace semiasync {

namespace {

/// The store's clock type from CAF's.
std::chrono::system_clock::time_point wall_time(caf::timestamp t) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(t);
}

caf::error stale() {
  return make_error(error_code::overloaded,
                    "claim dropped: its asker stopped waiting");
}

} // namespace

gateway_keeper_actor::behavior_type
gateway_keeper(gateway_keeper_actor::pointer self,
               gateway_keeper_settings cfg) {
  auto shared = std::make_shared<gateway_keeper_settings>(std::move(cfg));
  if (shared->purge_interval > caf::timespan{0})
    self->delayed_send(self, shared->purge_interval, purge_atom::value);
  return {
    [shared](claim_atom, gateway_claim& claim,
             caf::timestamp deadline) -> caf::result<claim_result> {
      auto now = shared->now();
      if (now > deadline) return stale();
      claim.now = wall_time(now);
      auto result = shared->store->claim(claim);
      if (!result) return std::move(result.error());
      return std::move(*result);
    },
    [shared](release_atom, const request_id& id) {
      if (auto released = shared->store->release(id); !released)
        log(log_level::warn, "gateway_keeper",
            "cannot release request " + id.value + ": "
              + detail_of(released.error()));
    },
    [self, shared](outcome_atom, route_reply& reply) {
      auto stored = shared->store->record_reply(reply.request,
                                                {reply.event_type, reply.value},
                                                wall_time(shared->now()));
      if (!stored)
        log(log_level::warn, "gateway_keeper",
            "cannot store the reply to request " + reply.request.value + ": "
              + detail_of(stored.error()));
      self->send(shared->registry, outcome_atom::value, std::move(reply));
    },
    [shared](find_request_atom, const request_id& id,
             caf::timestamp deadline) -> caf::result<gateway_lookup> {
      auto now = shared->now();
      if (now > deadline)
        return make_error(error_code::overloaded,
                          "lookup dropped: its asker stopped waiting");
      auto found = shared->store->find(id, wall_time(now));
      if (!found) return std::move(found.error());
      return gateway_lookup{std::move(*found)};
    },
    [self, shared](purge_atom) {
      auto purged = shared->store->purge_expired(wall_time(shared->now()),
                                                 shared->purge_batch);
      if (!purged)
        log(log_level::warn, "gateway_keeper",
            "cannot delete expired entries: " + detail_of(purged.error()));
      // A full batch means more are due: the next round comes at once.
      auto next = purged && *purged >= shared->purge_batch
                    ? caf::timespan{0}
                    : shared->purge_interval;
      self->delayed_send(self, next, purge_atom::value);
    },
  };
}

} // namespace semiasync
