#include "actors/stop_on_fatal.hpp"

#include <caf/actor_cast.hpp>
#include <caf/make_message.hpp>
#include <caf/message_id.hpp>
#include <caf/system_messages.hpp>

namespace semiasync {

void stop_on_fatal(kafka::publisher& client, caf::actor_addr who) {
  // anon_send_exit only takes an exit_reason; the reason here is the
  // client's own error, so the exit message is built by hand.
  client.on_fatal([who](const caf::error& err) {
    if (auto ptr = caf::actor_cast<caf::strong_actor_ptr>(who))
      ptr->enqueue(nullptr, caf::make_message_id(),
                   caf::make_message(caf::exit_msg{who, err}), nullptr);
  });
}

} // namespace semiasync
