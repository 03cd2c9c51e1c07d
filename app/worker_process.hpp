#pragma once

#include "actors/record_handler.hpp"
#include "app/signals.hpp"
#include "config/settings.hpp"

#include <memory>
#include <string>

namespace semiasync {

/// What one worker process consumes, publishes and decides with: the parts
/// of a worker that differ between operations (create-user's in
/// app/worker_command.cpp, the deposits example's in examples/deposits/).
struct worker_operation {
  /// The topic of request records.
  std::string request_topic;
  /// The topic outcomes go to.
  std::string outcome_topic;
  /// The topic undecidable records go to.
  std::string dead_letter_topic;
  /// The consumer group the process joins.
  std::string group;
  /// What each request record turns into.
  std::shared_ptr<record_handler> handler;
  /// The operation's name in its database spans (`db.operation.name`),
  /// e.g. `create_user`.
  std::string operation = "decide";
  /// `service.name` of the process's spans unless OTEL_SERVICE_NAME names
  /// one: each worker program exports as itself.
  std::string service_name = "semiasync-worker";
};

/// Runs a worker process for `op` until SIGINT/SIGTERM or until the engine
/// stops on its own: the metrics endpoint, the request consumer, the outcome
/// producer and the worker engine (actors/worker_engine.hpp), with the
/// Kafka, retry and metrics settings of `cfg`. Returns the process exit code.
int run_worker_process(const config::settings& cfg,
                       termination_signals& signals, worker_operation op);

} // namespace semiasync
