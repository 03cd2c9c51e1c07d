#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace semiasync::config {

/// Edits (insertions, deletions, substitutions) that turn `x` into `y`,
/// ignoring the case of ASCII letters, as setting keys are compared.
std::size_t edit_distance_ignoring_case(std::string_view x, std::string_view y);

/// The candidate with the fewest edits from `name` (the first on a tie), and
/// how many; for "did you mean ...?" after a name that matched nothing.
struct nearest_name {
  /// The candidate; empty when there was none.
  std::string name;
  /// Its distance from the name looked up.
  std::size_t distance = 0;
};

/// Finds the candidate nearest to `name`; see `nearest_name`.
nearest_name find_nearest(std::string_view name,
                          const std::vector<std::string>& candidates);

} // namespace semiasync::config
