#pragma once

// Probes GET /healthz of every server and worker of a history run, over and
// over on its own thread, and records each probe: a process that stops
// answering outside a fault aimed at it is a violation.

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/history/deployment.hpp"
#include "tests/history/recorder.hpp"

namespace semiasync::testing::history {

/// The probing thread: started by the constructor, stopped by `stop` or the
/// destructor.
class health_monitor {
public:
  /// Probes every process of `target` every `interval`.
  health_monitor(const deployment& target, recorder& log,
                 std::chrono::milliseconds interval
                 = std::chrono::milliseconds{700});

  /// Stops and joins.
  ~health_monitor();

  health_monitor(const health_monitor&) = delete;
  health_monitor& operator=(const health_monitor&) = delete;

  /// Probes every process once more, now, on the caller's thread.
  void probe_all();

  /// Stops the thread and joins it; idempotent.
  void stop();

private:
  void probe(const std::string& target, uint16_t port);

  const deployment& target_;
  recorder& log_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

} // namespace semiasync::testing::history
