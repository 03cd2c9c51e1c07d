#pragma once

// What a configured route makes of an HTTP request before anything is
// published: the checked body, its required fields, the path parameters
// and the record key. Pure, so every refusal is tested without a server.

#include "config/path_template.hpp"
#include "config/route_spec.hpp"
#include "http/json_body.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace semiasync::http {

/// A request a route accepted: the record's key and value.
struct route_request {
  /// The record key: the path parameter's value, or the text at the body's
  /// JSON pointer.
  std::string key;
  /// The body's JSON object with the path parameters added as fields, so
  /// a service reading the topic sees `/orders/{orderId}/cancel`'s order.
  std::string value;
};

/// Reads a request for `route`, whose path bound `path`: the body passes
/// `read_json_object` (with the route's size limit), has every required
/// field, holds no field that disagrees with a path parameter, and yields
/// a key that is a string or a number.
std::variant<route_request, body_refusal>
read_route_request(const config::route_spec& route,
                   const std::vector<config::path_template::binding>& path,
                   std::optional<std::string_view> content_type,
                   std::string_view body);

} // namespace semiasync::http
