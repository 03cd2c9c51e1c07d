#include "actors/system_config.hpp"

#include "actors/protocol.hpp"

namespace semiasync {

system_config::system_config() {
  add_message_types<caf::id_block::semiasync>();
}

} // namespace semiasync
