#pragma once

// Where every thread of a history run writes what happened: exchanges,
// faults and health probes, with times since the run started.

#include <chrono>
#include <cstdint>
#include <mutex>

#include "tests/history/history.hpp"

namespace semiasync::testing::history {

/// The run's shared log; every member is thread-safe.
class recorder {
public:
  /// The clock of a run.
  using clock_type = std::chrono::steady_clock;

  /// A log for a run that starts now.
  recorder(uint64_t seed, std::string name_prefix);

  /// Milliseconds since the run started.
  int64_t now_ms() const;

  /// Appends `x` (its index is set here); returns the index.
  size_t add(exchange x);

  /// Appends a fault window.
  void add(fault_window f);

  /// Appends a health probe.
  void add(health_sample s);

  /// Exchanges so far.
  size_t exchange_count() const;

  /// A copy of everything so far.
  run_history snapshot() const;

private:
  clock_type::time_point start_;
  mutable std::mutex mtx_;
  run_history log_;
};

} // namespace semiasync::testing::history
