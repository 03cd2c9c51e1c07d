#pragma once

#include "app/signals.hpp"
#include "config/settings.hpp"

namespace semiasync {

/// Runs `semiasync server` until SIGINT/SIGTERM: HTTP, request producer,
/// outcome consumer, registry. Returns the process exit code.
int run_server(const config::settings& cfg, termination_signals& signals);

/// Runs `semiasync consumer` (alias `worker`) until SIGINT/SIGTERM: request
/// consumer, create-user rule on MariaDB, outcome producer. Returns the
/// process exit code.
int run_worker(const config::settings& cfg, termination_signals& signals);

} // namespace semiasync
