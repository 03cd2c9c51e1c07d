#include "http/route_input.hpp"

namespace semiasync::http {

namespace {

body_refusal invalid(std::string detail) {
  return {input_problem::invalid_body, std::move(detail)};
}

} // namespace

std::variant<route_request, body_refusal>
read_route_request(const config::route_spec& route,
                   const std::vector<config::path_template::binding>& path,
                   std::optional<std::string_view> content_type,
                   std::string_view body) {
  auto read = read_json_object(content_type, body, route.max_body_bytes);
  if (auto refused = std::get_if<body_refusal>(&read))
    return std::move(*refused);
  auto& doc = std::get<nlohmann::json>(read);
  for (const auto& field : route.required_fields)
    if (!doc.contains(field))
      return invalid("field '" + field + "' is missing");
  for (const auto& [name, value] : path) {
    auto field = doc.find(name);
    if (field == doc.end()) {
      doc[name] = value;
      continue;
    }
    // The path names the resource; a body naming another one is a client
    // error, not something for the service to guess about.
    if (scalar_text(*field) != value)
      return invalid("field '" + name + "' disagrees with the path");
  }
  route_request result;
  if (route.key.from == config::record_key::source::path_parameter) {
    for (const auto& [name, value] : path)
      if (name == route.key.name) result.key = value;
  } else {
    std::optional<std::string> text;
    try {
      auto pointer = nlohmann::json::json_pointer{route.key.name};
      if (!doc.contains(pointer))
        return invalid("field '" + route.key.name
                       + "' (the record key) is missing");
      text = scalar_text(doc.at(pointer));
    } catch (const nlohmann::json::exception&) {
      // An array index that is no number, say: the body has no such field.
      return invalid("field '" + route.key.name
                     + "' (the record key) is missing");
    }
    if (!text)
      return invalid("field '" + route.key.name
                     + "' (the record key) must be a string or a number");
    result.key = std::move(*text);
  }
  result.value
    = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return result;
}

} // namespace semiasync::http
