#pragma once

// Where the gateway's configured routes come from (the config file's
// `routes:` list or a `routesFile` of their own) and the rules that span a
// route and the rest of the settings. One line names what is wrong.

#include "config/problem.hpp"
#include "config/route_spec.hpp"
#include "config/settings.hpp"

#include <string>
#include <variant>
#include <vector>

namespace semiasync::config {

/// The routes of a routes file: a YAML list of routes, or a map whose only
/// key is `routes`; or one line saying what is wrong, naming the file.
std::variant<std::vector<route_spec>, std::string>
read_routes_file(const std::string& path);

/// Checks the routes against each other and the built-in endpoints: no
/// route takes a path the server serves itself (`/`, `/users`, `/requests`,
/// `/healthz`, `/readyz`, `/metrics`), none uses create-user's topics, and
/// routes that share an outcome topic read it the same way (protocol and
/// type header), since one consumer decodes it; a route's own reply
/// deadline exceeds produceTimeoutMs, as the server's must.
problem check_routes(const settings& values);

} // namespace semiasync::config
