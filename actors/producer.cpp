#include "actors/producer.hpp"

#include "actors/stop_on_fatal.hpp"
#include "domain/error.hpp"

#include <caf/send.hpp>
#include <caf/system_messages.hpp>

namespace semiasync {

producer_actor::behavior_type
producer(producer_actor::stateful_pointer<producer_state> self,
         std::shared_ptr<kafka::publisher> client) {
  self->state.client = std::move(client);
  // A client that failed for good publishes nothing ever again: stopping
  // lets `wait_for_stop` end the process, so a supervisor restarts it with
  // a new client, instead of every request getting a 503 for ever.
  stop_on_fatal(*self->state.client, self->address());
  // Delivery reports cannot reach a stopped actor: the requests still
  // waiting hear now. Their records may be on the broker, so this is not a
  // plain failure (a client told to retry could find its own name taken).
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (!msg.reason) return;
    auto why = detail_of(msg.reason);
    if (why.empty()) why = caf::to_string(msg.reason);
    for (auto& entry : self->state.pending)
      entry.second.deliver(
        make_error(error_code::publish_uncertain,
                   "the producer stopped before the broker's verdict: " + why));
    self->state.pending.clear();
    self->quit(std::move(msg.reason));
  });
  return {
    [self](publish_atom, kafka::outgoing_record& rec) {
      auto& st = self->state;
      auto promise = self->make_response_promise<publish_receipt>();
      auto id = st.next_id++;
      // A strong handle keeps the actor alive until its last callback ran.
      auto me = caf::actor_cast<producer_actor>(self);
      auto err = st.client->publish(
        std::move(rec),
        [me, id](const caf::error& result, const kafka::record_position& at) {
          caf::anon_send(me, delivered_atom::value, id, result, at);
        });
      if (err)
        promise.deliver(std::move(err));
      else
        st.pending.emplace(id, promise);
      return promise;
    },
    [self](delivered_atom, uint64_t id, caf::error& result,
           const kafka::record_position& at) {
      auto& pending = self->state.pending;
      auto i = pending.find(id);
      if (i == pending.end()) return;
      if (result)
        i->second.deliver(std::move(result));
      else
        i->second.deliver(publish_receipt{at.partition, at.offset});
      pending.erase(i);
    },
  };
}

} // namespace semiasync
