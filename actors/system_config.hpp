#pragma once

#include <caf/actor_system_config.hpp>

#include <cstddef>

namespace semiasync {

/// The actor system configuration of both processes and the tests: our message
/// types registered, CAF's own config file and command line left alone (ours
/// are parsed by config/).
class system_config : public caf::actor_system_config {
public:
  /// CAF's defaults for the scheduler.
  system_config();

  /// With `threads` scheduler threads; 0 keeps CAF's default (one per core,
  /// at least 4).
  explicit system_config(size_t threads);
};

} // namespace semiasync
