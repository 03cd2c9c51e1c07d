#include "config/outcome_routing.hpp"

#include <utility>

namespace semiasync::config {

namespace {

/// Each routing with its text, so parsing and printing cannot drift apart.
constexpr std::pair<outcome_routing, std::string_view> names[] = {
  {outcome_routing::broadcast, "broadcast"},
  {outcome_routing::steered, "steered"},
};

} // namespace

std::optional<outcome_routing> outcome_routing_from(std::string_view text) {
  for (const auto& [routing, name] : names)
    if (text == name) return routing;
  return std::nullopt;
}

std::string_view to_string(outcome_routing x) {
  for (const auto& [routing, name] : names)
    if (x == routing) return name;
  return "broadcast";
}

} // namespace semiasync::config
