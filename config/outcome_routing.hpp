#pragma once

#include <optional>
#include <string_view>

namespace semiasync::config {

/// How a server instance receives its outcomes (outcomeRouting).
enum class outcome_routing {
  /// Reads every partition of the outcome topic and ignores the outcomes
  /// of others; works with any worker (the reference's too).
  broadcast,
  /// Reads only the partitions it owns and asks workers, per request, to
  /// publish the outcome there; needs workers that honour the header.
  steered,
};

/// `broadcast` or `steered` from the setting's text, or nothing.
std::optional<outcome_routing> outcome_routing_from(std::string_view text);

/// The setting's text for `x`, which `outcome_routing_from` reads back.
std::string_view to_string(outcome_routing x);

} // namespace semiasync::config
