#include "app/actor_system_config.hpp"

#include "actors/protocol.hpp"

namespace semiasync {

app_actor_system_config::app_actor_system_config() {
  add_message_types<caf::id_block::semiasync>();
}

} // namespace semiasync
