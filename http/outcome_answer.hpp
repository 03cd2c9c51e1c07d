#pragma once

// The answer to an outcome of a configured route (config/route_spec.hpp):
// the route's outcome rules decide the status, the body and `Location`.
// Kept beside http/answer.* as one more part of the one mapping to HTTP.

#include "config/path_template.hpp"
#include "config/route_spec.hpp"
#include "domain/types.hpp"
#include "http/answer.hpp"

#include <string_view>
#include <vector>

namespace semiasync::http {

/// Answers an outcome of `route` whose path bound `path`: the rule for
/// `event_type` gives the status; its body fields are picked from the
/// outcome's JSON object (all of it when it lists none), plus `requestId`;
/// its location template, filled from path parameters and then the
/// outcome's fields (strings and numbers, percent-encoded), becomes
/// `Location` (left out when a name cannot be filled). An event type
/// without a rule, or a value that is no JSON object, is a 502 problem: the
/// service answered something this gateway was not told about.
answer
answer_route_outcome(const config::route_spec& route,
                     const std::vector<config::path_template::binding>& path,
                     std::string_view event_type, std::string_view value,
                     const request_id& id);

} // namespace semiasync::http
