#include "actors/registry.hpp"

#include <caf/system_messages.hpp>

#include <algorithm>

namespace semiasync {

void registry_state::remove(const request_id& id, const caf::actor_addr& who) {
  auto i = waiting.find(id);
  if (i == waiting.end())
    return;
  auto& actors = i->second;
  actors.erase(std::remove_if(actors.begin(), actors.end(),
                              [&](const request_actor& x) {
                                return x.address() == who;
                              }),
               actors.end());
  if (actors.empty())
    waiting.erase(i);
}

void registry_state::remove_everywhere(const caf::actor_addr& who) {
  // Linear, but only runs for a request actor that died without withdrawing,
  // which is rare (every normal exit path withdraws first).
  std::vector<request_id> ids;
  for (auto& [id, actors] : waiting)
    for (auto& x : actors)
      if (x.address() == who)
        ids.push_back(id);
  for (auto& id : ids)
    remove(id, who);
}

registry_actor::behavior_type
registry(registry_actor::stateful_pointer<registry_state> self) {
  self->set_down_handler([self](const caf::down_msg& msg) {
    self->state.remove_everywhere(msg.source);
  });
  return {
    [self](enroll_atom, request_id& id, request_actor& who) {
      self->monitor(who);
      self->state.waiting[std::move(id)].push_back(std::move(who));
      return caf::ok_atom::value;
    },
    [self](withdraw_atom, const request_id& id, const request_actor& who) {
      self->demonitor(who.address());
      self->state.remove(id, who.address());
    },
    [self](outcome_atom, outcome& result) {
      auto& st = self->state;
      auto i = st.waiting.find(request_of(result));
      if (i == st.waiting.end()) {
        ++st.stats.dropped;
        return;
      }
      ++st.stats.routed;
      for (auto& who : i->second)
        self->send(who, outcome_atom::value, result);
    },
    [self](stats_atom) {
      auto result = self->state.stats;
      result.waiting = self->state.waiting.size();
      return result;
    },
  };
}

} // namespace semiasync

