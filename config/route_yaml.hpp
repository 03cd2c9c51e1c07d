#pragma once

#include "config/route_spec.hpp"

#include <string>
#include <variant>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace semiasync::config {

/// The routes of a `routes:` list, or one line saying which route is wrong
/// and why (an unknown key names its nearest known one). Two routes may not
/// take the same method and path.
std::variant<std::vector<route_spec>, std::string>
parse_routes(const YAML::Node& list);

/// The --help section on routes: every key a route and an outcome rule may
/// have, with its default.
std::string route_keys_help();

} // namespace semiasync::config
