#pragma once

#include <caf/actor_system_config.hpp>

namespace semiasync {

/// The actor system configuration of both processes: our message types
/// registered, CAF's own config file and command line left alone (ours are
/// parsed by config/).
class app_actor_system_config : public caf::actor_system_config {
public:
  app_actor_system_config();
};

} // namespace semiasync
