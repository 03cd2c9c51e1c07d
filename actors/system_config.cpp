#include "actors/system_config.hpp"

#include "actors/protocol.hpp"

#include <algorithm>
#include <thread>

namespace semiasync {

system_config::system_config() {
  add_message_types<caf::id_block::semiasync>();
}

system_config::system_config(size_t threads) : system_config() {
  if (threads > 0) set("scheduler.max-threads", threads);
}

size_t actor_threads_for(process_role role, size_t configured) {
  if (configured > 0) return configured;
  if (role == process_role::worker) return 1;
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

} // namespace semiasync
