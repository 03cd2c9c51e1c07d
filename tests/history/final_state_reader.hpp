#pragma once

// Reading the truth after a history: app.users and app.request_outcomes
// under the run's prefix, and every record of the run's outcome topic,
// once the workers have drained.

#include <chrono>
#include <string>
#include <vector>

#include "tests/history/checker.hpp"
#include "tests/history/history.hpp"
#include "tests/integration/stack.hpp"

namespace semiasync::testing::history {

/// The records `capture` holds so far, decoded for the checker.
std::vector<topic_outcome> outcomes_of(const topic_capture& capture);

/// What the drain found.
struct drain_report {
  /// The outcomes at the end.
  std::vector<topic_outcome> outcomes;
  /// Decisions still missing at the end (the checker reports them).
  size_t still_undecided = 0;
  /// How long it took.
  std::chrono::milliseconds waited{0};
};

/// Reads `capture` until every decision in `due` is on the topic and
/// nothing new came for `quiet`, or `limit` passed.
drain_report drain(topic_capture& capture, const std::vector<decision_due>& due,
                   std::chrono::milliseconds quiet,
                   std::chrono::milliseconds limit);

/// app.users and app.request_outcomes rows whose name starts with `prefix`.
final_state read_tables(const std::string& prefix);

} // namespace semiasync::testing::history
