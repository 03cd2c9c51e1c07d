#pragma once

#include "kafka/interfaces.hpp"

#include <caf/actor_addr.hpp>

namespace semiasync {

/// Has the actor at `who` stop with the error that ends `client` for good
/// (a fatal producer error), as an exit message: the actor's exit handler,
/// if it has one, runs as for a graceful stop, and whoever monitors it
/// (`wait_for_stop`) learns the reason. Keeps no strong reference to `who`.
void stop_on_fatal(kafka::publisher& client, caf::actor_addr who);

} // namespace semiasync
