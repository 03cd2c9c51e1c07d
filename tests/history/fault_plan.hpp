#pragma once

// The faults of a history run, drawn from its seed: one after another,
// each a few seconds long and healed before the next, every kind at least
// once (in a seeded order) while the run is long enough, then seeded
// choices. Each fault is recorded as a window for the checker.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/history/deployment.hpp"
#include "tests/history/recorder.hpp"

namespace semiasync::testing::history {

/// Every fault kind: "worker-kill", "worker-pause", "broker-pause",
/// "db-stop", "server-restart".
const std::vector<std::string>& all_fault_kinds();

/// The kinds named by `SEMIASYNC_HISTORY_FAULTS` (comma-separated; "none"
/// for none), or every kind when it is unset. Throws on an unknown kind.
std::vector<std::string> fault_kinds_from_environment();

/// What the fault thread needs.
struct fault_settings {
  /// The run's seed.
  uint64_t seed = 0;
  /// The kinds to draw from.
  std::vector<std::string> kinds;
  /// No fault starts later than this after the run started.
  std::chrono::milliseconds last_start{30000};
};

/// Injects faults until `stop` is set or `last_start` passed, each healed
/// before it returns. Returns an error text, empty when all went well (it
/// runs on its own thread, where a Catch assertion must not fire).
std::string inject_faults(deployment& target, recorder& log,
                          const fault_settings& cfg,
                          const std::atomic<bool>& stop);

} // namespace semiasync::testing::history
