#pragma once

#include <caf/actor_system_config.hpp>

namespace semiasync {

/// The actor system configuration of both processes and the tests: our message
/// types registered, CAF's own config file and command line left alone (ours
/// are parsed by config/).
class system_config : public caf::actor_system_config {
public:
  system_config();
};

} // namespace semiasync
