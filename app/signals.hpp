#pragma once

#include <csignal>

namespace semiasync {

/// SIGINT and SIGTERM, blocked in the calling thread and in every thread it
/// starts afterwards, so only `wait_for_termination` ever sees them.
class termination_signals {
public:
  /// Blocks the signals; construct before starting any thread.
  termination_signals();

  /// Waits until SIGINT or SIGTERM arrives; returns its number.
  int wait();

private:
  sigset_t set_;
};

} // namespace semiasync
