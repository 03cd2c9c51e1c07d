#pragma once

// What a fault scenario reports: progress notes while it runs, and one line
// of figures at the end, printed and appended to the results file
// (build/tests/faults/results.txt) so a run's numbers can be quoted later.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tests/faults/load.hpp"

namespace semiasync::testing {

/// Prints "[fault +12.3s] text" to stdout (seconds since the process
/// started), so a failing scenario's output reads as a timeline.
void note(const std::string& text);

/// Milliseconds as a figure.
long long ms_of(std::chrono::milliseconds value);

/// One scenario's figures as "key=value" pairs on one line.
class summary {
public:
  /// A line for `scenario`, e.g. "worker-crash".
  explicit summary(std::string scenario);

  /// Adds `key=value`.
  summary& add(const std::string& key, long long value);

  /// Adds `key=value`.
  summary& add(const std::string& key, const std::string& value);

  /// Adds the counts of a load run: sent, 201, 409, 503, 504, other,
  /// hangs, refused, dropped.
  summary& add(const load_tally& counts);

  /// "fault <scenario>: key=value ...".
  std::string text() const;

  /// Prints the line and appends it, with the date and the run length
  /// (normal or long), to the results file; returns the line.
  std::string publish() const;

private:
  std::string scenario_;
  std::vector<std::pair<std::string, std::string>> figures_;
};

} // namespace semiasync::testing
