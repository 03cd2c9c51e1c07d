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

/// Which process an actor system runs in.
enum class process_role { server, worker };

/// The scheduler threads for `role`: `configured` (actorThreads) when set;
/// otherwise one per core for a server, whose request actors run there, and
/// one for a worker, whose worker actor has a thread of its own. Not CAF's
/// default of at least 4: on a 2-core box its idle threads spinning for
/// work halved the throughput of a server (bench/results).
size_t actor_threads_for(process_role role, size_t configured);

} // namespace semiasync
