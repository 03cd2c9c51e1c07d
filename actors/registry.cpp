#include "actors/registry.hpp"

#include <caf/system_messages.hpp>

#include <algorithm>

namespace semiasync {

void registry_state::add(request_id id, std::optional<user_name> name,
                         request_actor who) {
  ids_by_actor.emplace(who.id(), id);
  waiting[std::move(id)].actors.push_back({std::move(who), std::move(name)});
  report_size();
}

registry_state::waiting_map::iterator
registry_state::waiting_of(caf::actor_id who) {
  auto entry = ids_by_actor.find(who);
  if (entry == ids_by_actor.end()) return waiting.end();
  return waiting.find(entry->second);
}

void registry_state::remove(const caf::actor_addr& who) {
  auto i = waiting_of(who.id());
  ids_by_actor.erase(who.id());
  if (i == waiting.end()) return;
  auto& actors = i->second.actors;
  actors.erase(std::remove_if(actors.begin(), actors.end(),
                              [&](const waiter& x) {
                                return x.actor.address() == who;
                              }),
               actors.end());
  if (actors.empty()) waiting.erase(i);
  report_size();
}

std::optional<request_actor> registry_state::find(caf::actor_id who) {
  auto i = waiting_of(who);
  if (i == waiting.end()) return std::nullopt;
  for (auto& x : i->second.actors)
    if (x.actor.id() == who) return x.actor;
  return std::nullopt;
}

void registry_state::remember_pending(request_id id) {
  if (auto i = waiting.find(id); i != waiting.end() && i->second.answered)
    return;
  if (!pending.insert(id).second) return;
  pending_order.push_back(std::move(id));
  while (pending.size() > max_pending && !pending_order.empty()) {
    pending.erase(pending_order.front());
    pending_order.pop_front();
  }
  // Most IDs in the order are long resolved under steady traffic: drop them
  // once they outnumber the pending ones, keeping the order of the rest.
  // Amortised O(1): a rebuild happens after at least as many insertions.
  if (pending_order.size() > 2 * pending.size() + 1024) {
    std::deque<request_id> kept;
    for (auto& x : pending_order)
      if (pending.count(x) > 0) kept.push_back(std::move(x));
    pending_order.swap(kept);
  }
}

bool registry_state::count_routed(waiting_map::iterator entry, size_t routed) {
  if (routed == 0) {
    ++stats.dropped;
    metrics->outcomes_dropped.inc();
    return false;
  }
  ++stats.routed;
  metrics->outcomes_routed.inc();
  entry->second.answered = true;
  return true;
}

void registry_state::report_size() {
  metrics->in_flight.set(static_cast<int64_t>(waiting.size()));
}

namespace {

/// Registers `who` and schedules its deadline.
void enroll(registry_actor::stateful_pointer<registry_state> self,
            request_id id, std::optional<user_name> name, request_actor who,
            caf::timespan deadline) {
  auto handle = who;
  self->state.add(std::move(id), std::move(name), std::move(who));
  // The deadline is scheduled here, after the enrollment, so it cannot
  // arrive before it: scheduled by the request actor, a short deadline
  // (zero for respond-async) could reach this mailbox first through the
  // clock's thread, find nobody, and leave the request waiting forever.
  self->delayed_send(self, deadline, deadline_atom::value, handle.id());
  self->monitor(handle);
}

/// Hands `result` to whoever waits for it under its request ID and name,
/// or drops and counts it.
void route_outcome(registry_actor::stateful_pointer<registry_state> self,
                   const outcome& result, const kafka::record_position& at) {
  auto& st = self->state;
  st.pending.erase(request_of(result));
  auto i = st.waiting.find(request_of(result));
  // Under a shared Idempotency-Key, an outcome for another name answers
  // another request (here or on another instance), never these waiters.
  size_t routed = 0;
  if (i != st.waiting.end())
    for (auto& who : i->second.actors)
      if (who.name == name_of(result)) {
        self->send(who.actor, outcome_atom::value, result, at);
        ++routed;
      }
  st.count_routed(i, routed);
}

} // namespace

registry_actor::behavior_type
registry(registry_actor::stateful_pointer<registry_state> self,
         registry_settings cfg) {
  self->state.max_pending = cfg.max_pending;
  self->state.metrics.set(cfg.metrics);
  self->set_down_handler([self](const caf::down_msg& msg) {
    self->state.remove(msg.source);
  });
  // The deadlines live here: a registry that stops would take every waiting
  // request's deadline with it and leave those actors (and the actor
  // system's shutdown, which waits for them) waiting for ever. Their
  // deadlines come now instead.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& [id, entry] : self->state.waiting)
      for (auto& who : entry.actors)
        self->send(who.actor, deadline_atom::value);
    self->quit(msg.reason);
  });
  return {
    [self](enroll_atom, request_id& id, user_name& name, request_actor& who,
           caf::timespan deadline) {
      enroll(self, std::move(id), std::move(name), std::move(who), deadline);
      return caf::ok_atom::value;
    },
    [self](enroll_atom, request_id& id, request_actor& who,
           caf::timespan deadline) {
      enroll(self, std::move(id), std::nullopt, std::move(who), deadline);
      return caf::ok_atom::value;
    },
    [self](withdraw_atom, const request_actor& who) {
      self->demonitor(who.address());
      self->state.remove(who.address());
    },
    [self](deadline_atom, caf::actor_id who) {
      if (auto target = self->state.find(who))
        self->send(*target, deadline_atom::value);
    },
    [self](outcome_atom, const outcome& result,
           const kafka::record_position& at) {
      route_outcome(self, result, at);
    },
    [self](outcome_atom, const outcome& result) {
      route_outcome(self, result, kafka::record_position{});
    },
    [self](outcome_atom, route_reply& reply) {
      auto& st = self->state;
      st.pending.erase(reply.request);
      auto i = st.waiting.find(reply.request);
      // Only route requests wait without a name: a reply that names a
      // create-user request's ID answers nobody.
      size_t routed = 0;
      if (i != st.waiting.end())
        for (auto& who : i->second.actors)
          if (!who.name) {
            self->send(who.actor, outcome_atom::value, reply);
            ++routed;
          }
      st.count_routed(i, routed);
    },
    [self](accepted_atom, request_id& id) {
      self->state.remember_pending(std::move(id));
    },
    [self](pending_atom, const request_id& id) {
      return self->state.pending.count(id) > 0;
    },
    [self](stats_atom) {
      auto result = self->state.stats;
      result.waiting = self->state.waiting.size();
      return result;
    },
  };
}

} // namespace semiasync
