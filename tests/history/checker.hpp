#pragma once

// The history checker: a pure function from what the clients were told
// (the history) and what the system holds at the end (app.users,
// app.request_outcomes, the outcome topic) to the answers that were not
// true. No I/O, no clock: the same inputs give the same violations, and a
// unit test proves with hand-made histories that it can fail.
//
// Names compare as the database compares them (utf8mb4_general_ci): the
// runs use ASCII names only, so `name_key` (ASCII case folded, trailing
// spaces dropped) is that comparison for them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/history/history.hpp"

namespace semiasync::testing::history {

/// An answer (or a state) that contradicts the contract.
struct violation {
  /// Which rule, e.g. "created-other-name".
  std::string rule;
  /// What was seen, in words.
  std::string detail;
  /// The exchange it concerns, or -1 for the final state alone.
  long exchange = -1;
};

/// How much slack the rules give around faults: processes need a moment to
/// go down and come back, and a paused broker delays publishes.
struct checker_settings {
  /// A health probe or a request may fail this long before a fault window
  /// on its target opens (the fault thread notes the window just before it
  /// breaks something, but the probe's own timeout can straddle it).
  int64_t before_fault_ms = 2000;
  /// ... and this long after the window closed.
  int64_t after_fault_ms = 3000;
  /// A 504 may leave its request unpublished (the broker may never have
  /// had it) when it overlaps a broker pause widened by this much: the
  /// server's produce timeout plus its delivery-report grace.
  int64_t broker_grace_ms = 4000;
};

/// The key under which the database compares `name`, for ASCII names.
std::string name_key(std::string_view name);

/// A request that must end up decided on the outcome topic: its ID and name.
struct decision_due {
  /// The X-Request-Id of the answer.
  std::string request_id;
  /// The name it sent.
  std::string name;
  /// The exchange that makes it due.
  size_t exchange = 0;
};

/// The requests the history says must be decided (answered 201, 409, 202,
/// or 504 outside broker faults).
std::vector<decision_due> decisions_due(const run_history& h,
                                        const checker_settings& cfg = {});

/// Those of `due` that have no outcome among `outcomes` for their request
/// ID and their name (as the database compares names) yet.
std::vector<decision_due> undecided(const std::vector<decision_due>& due,
                                    const std::vector<topic_outcome>& outcomes);

/// Every violation of the contract in `h` against `end`.
std::vector<violation> check_history(const run_history& h,
                                     const final_state& end,
                                     const checker_settings& cfg = {});

/// One exchange on one line, for reports.
std::string describe(const exchange& x);

/// One violation with its exchange (if any) and the seed, for reports.
std::string describe(const violation& v, const run_history& h);

} // namespace semiasync::testing::history
