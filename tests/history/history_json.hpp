#pragma once

// A history run as one JSON document (exchanges, faults, health probes,
// final state, violations), written beside the build so a failing seed can
// be studied after the fact without running it again.

#include <string>
#include <vector>

#include "tests/history/checker.hpp"
#include "tests/history/history.hpp"

namespace semiasync::testing::history {

/// Writes the run to `path`; returns false when the file cannot be written.
bool write_history_json(const std::string& path, const run_history& h,
                        const final_state& end,
                        const std::vector<violation>& found);

} // namespace semiasync::testing::history
