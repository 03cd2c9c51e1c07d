#include "actors/producer.hpp"

#include <caf/send.hpp>

namespace semiasync {

producer_actor::behavior_type
producer(producer_actor::stateful_pointer<producer_state> self,
         std::shared_ptr<kafka::publisher> client) {
  self->state.client = std::move(client);
  return {
    [self](publish_atom, kafka::outgoing_record& rec) {
      auto& st = self->state;
      auto promise = self->make_response_promise<caf::ok_atom>();
      auto id = st.next_id++;
      // A strong handle keeps the actor alive until its last callback ran.
      auto me = caf::actor_cast<producer_actor>(self);
      auto err = st.client->publish(
        std::move(rec), [me, id](const caf::error& result) {
          caf::anon_send(me, delivered_atom::value, id, result);
        });
      if (err)
        promise.deliver(std::move(err));
      else
        st.pending.emplace(id, promise);
      return promise;
    },
    [self](delivered_atom, uint64_t id, caf::error& result) {
      auto& pending = self->state.pending;
      auto i = pending.find(id);
      if (i == pending.end()) return;
      if (result)
        i->second.deliver(std::move(result));
      else
        i->second.deliver(caf::ok_atom::value);
      pending.erase(i);
    },
  };
}

} // namespace semiasync
