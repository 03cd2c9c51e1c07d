#include "actors/system_config.hpp"

#include "actors/protocol.hpp"

namespace semiasync {

system_config::system_config() {
  add_message_types<caf::id_block::semiasync>();
}

system_config::system_config(size_t threads) : system_config() {
  if (threads > 0) set("scheduler.max-threads", threads);
}

} // namespace semiasync
