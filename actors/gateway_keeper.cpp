#include "actors/gateway_keeper.hpp"

#include "domain/error.hpp"
#include "logging/log.hpp"

#include <deque>

namespace semiasync {

namespace {

/// The store's clock type from CAF's.
std::chrono::system_clock::time_point wall_time(caf::timestamp t) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(t);
}

caf::error stale(const char* what) {
  return make_error(error_code::overloaded,
                    std::string{what} + " dropped: its asker stopped waiting");
}

/// The keeper's settings and the replies waiting to be stored again.
struct keeper_state {
  explicit keeper_state(gateway_keeper_settings settings)
    : cfg(std::move(settings)) {
    // nop
  }

  gateway_keeper_settings cfg;
  /// Replies the store refused transiently, oldest first.
  std::deque<route_reply> unstored;
  /// Releases the store refused transiently, oldest first.
  std::deque<request_id> unreleased;
  /// Whether a `store` message is on its way.
  bool retry_scheduled = false;

  /// Stores `reply`; false when the store refused it transiently (worth
  /// another try).
  bool store(const route_reply& reply) {
    auto stored = cfg.store->record_reply(
      reply.request, {reply.event_type, reply.value}, wall_time(cfg.now()));
    if (stored) return true;
    auto transient = is_transient(code_of(stored.error()));
    log(log_level::warn, "gateway_keeper",
        "cannot store the reply to request " + reply.request.value + ": "
          + detail_of(stored.error())
          + (transient ? "; trying again" : "; given up"));
    return !transient;
  }

  /// Releases `id`; false when the store refused transiently.
  bool release(const request_id& id) {
    auto released = cfg.store->release(id);
    if (released) return true;
    auto transient = is_transient(code_of(released.error()));
    log(log_level::warn, "gateway_keeper",
        "cannot release request " + id.value + ": "
          + detail_of(released.error())
          + (transient ? "; trying again" : "; given up"));
    return !transient;
  }

  /// Keeps `x` in `queue` for another try, giving up the oldest beyond the
  /// bound (its key then waits in flight until it expires).
  template <class T>
  void keep(std::deque<T>& queue, T x) {
    if (queue.size() >= cfg.max_unstored) {
      log(log_level::warn, "gateway_keeper",
          "too many writes waiting for the database; one given up");
      queue.pop_front();
    }
    queue.push_back(std::move(x));
  }

  /// Whether anything waits for another try.
  bool waiting() const {
    return !unstored.empty() || !unreleased.empty();
  }
};

using state_pointer = std::shared_ptr<keeper_state>;

void schedule_retry(gateway_keeper_actor::pointer self, keeper_state& st) {
  if (st.retry_scheduled || !st.waiting()) return;
  st.retry_scheduled = true;
  self->delayed_send(self, st.cfg.store_retry, store_atom::value);
}

} // namespace

gateway_keeper_actor::behavior_type
gateway_keeper(gateway_keeper_actor::pointer self,
               gateway_keeper_settings cfg) {
  auto st = std::make_shared<keeper_state>(std::move(cfg));
  if (st->cfg.purge_interval > caf::timespan{0})
    self->delayed_send(self, st->cfg.purge_interval, purge_atom::value);
  return {
    [st](claim_atom, gateway_claim& claim,
         caf::timestamp deadline) -> caf::result<claim_result> {
      auto now = st->cfg.now();
      if (now > deadline) return stale("claim");
      claim.now = wall_time(now);
      auto result = st->cfg.store->claim(claim);
      if (!result) return std::move(result.error());
      return std::move(*result);
    },
    [self, st](release_atom, request_id& id) {
      if (!st->release(id)) {
        st->keep(st->unreleased, std::move(id));
        schedule_retry(self, *st);
      }
    },
    [self, st](outcome_atom, route_reply& reply) {
      if (!st->store(reply)) {
        st->keep(st->unstored, reply);
        schedule_retry(self, *st);
      }
      self->send(st->cfg.registry, outcome_atom::value, std::move(reply));
    },
    [self, st](store_atom) {
      st->retry_scheduled = false;
      // In order, stopping at the first refusal: the database is still
      // away, and the rest would only be refused too.
      while (!st->unstored.empty() && st->store(st->unstored.front()))
        st->unstored.pop_front();
      while (!st->unreleased.empty() && st->release(st->unreleased.front()))
        st->unreleased.pop_front();
      schedule_retry(self, *st);
    },
    [st](find_request_atom, const request_id& id,
         caf::timestamp deadline) -> caf::result<gateway_lookup> {
      auto now = st->cfg.now();
      if (now > deadline) return stale("lookup");
      auto found = st->cfg.store->find(id, wall_time(now));
      if (!found) return std::move(found.error());
      return gateway_lookup{std::move(*found)};
    },
    [self, st](purge_atom) {
      auto purged = st->cfg.store->purge_expired(wall_time(st->cfg.now()),
                                                 st->cfg.purge_batch);
      if (!purged)
        log(log_level::warn, "gateway_keeper",
            "cannot delete expired entries: " + detail_of(purged.error()));
      // A full batch means more are due: the next round comes at once.
      auto next = purged && *purged >= st->cfg.purge_batch
                    ? caf::timespan{0}
                    : st->cfg.purge_interval;
      self->delayed_send(self, next, purge_atom::value);
    },
  };
}

} // namespace semiasync
