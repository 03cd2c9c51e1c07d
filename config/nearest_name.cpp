#include "config/nearest_name.hpp"

#include "domain/ascii_text.hpp"

#include <algorithm>
#include <numeric>

namespace semiasync::config {

std::size_t edit_distance_ignoring_case(std::string_view x,
                                        std::string_view y) {
  // One row of the Levenshtein table at a time: names are short, and this
  // runs only on the way to an error message.
  std::vector<std::size_t> row(y.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= x.size(); ++i) {
    auto diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= y.size(); ++j) {
      auto above = row[j];
      auto substitution
        = diagonal + (ascii_lower(x[i - 1]) == ascii_lower(y[j - 1]) ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[y.size()];
}

nearest_name find_nearest(std::string_view name,
                          const std::vector<std::string>& candidates) {
  nearest_name best;
  for (const auto& candidate : candidates) {
    auto distance = edit_distance_ignoring_case(name, candidate);
    if (best.name.empty() || distance < best.distance)
      best = nearest_name{candidate, distance};
  }
  return best;
}

} // namespace semiasync::config
