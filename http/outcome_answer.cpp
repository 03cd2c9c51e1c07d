#include "http/outcome_answer.hpp"

#include "http/json_body.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

namespace semiasync::http {

namespace {

using json = nlohmann::json;

/// `location` with each `{name}` filled from `path`, then from `outcome`;
/// nothing when a name has no value.
std::optional<std::string>
filled_location(const std::string& location,
                const std::vector<config::path_template::binding>& path,
                const json& outcome) {
  std::string result;
  size_t at = 0;
  while (at < location.size()) {
    auto open = location.find('{', at);
    if (open == std::string::npos) {
      result.append(location, at, std::string::npos);
      break;
    }
    auto close = location.find('}', open);
    if (close == std::string::npos) return std::nullopt;
    result.append(location, at, open - at);
    auto name = location.substr(open + 1, close - open - 1);
    auto bound = std::find_if(path.begin(), path.end(), [&](const auto& b) {
      return b.first == name;
    });
    auto text = bound != path.end()
                  ? std::optional<std::string>{bound->second}
                  : (outcome.contains(name) ? scalar_text(outcome[name])
                                            : std::nullopt);
    if (!text) return std::nullopt;
    result += percent_encoded(*text);
    at = close + 1;
  }
  return result;
}

} // namespace

answer
answer_route_outcome(const config::route_spec& route,
                     const std::vector<config::path_template::binding>& path,
                     std::string_view event_type, std::string_view value,
                     const request_id& id) {
  auto rule = std::find_if(route.outcomes.begin(), route.outcomes.end(),
                           [&](const config::outcome_rule& r) {
                             return r.event_type == event_type;
                           });
  if (rule == route.outcomes.end())
    return problem(502,
                   "the service answered with an unknown event type '"
                     + std::string{event_type} + "'",
                   id);
  auto outcome = json::parse(value, nullptr, false);
  if (outcome.is_discarded() || !outcome.is_object())
    return problem(502, "the service's answer is not a JSON object", id);
  json body = json::object();
  if (rule->body_fields.empty()) {
    body = outcome;
  } else {
    for (const auto& field : rule->body_fields)
      if (auto found = outcome.find(field); found != outcome.end())
        body[field] = *found;
  }
  body["requestId"] = id.value;
  auto result = json_answer(
    rule->status, body.dump(-1, ' ', false, json::error_handler_t::replace));
  if (!rule->location.empty())
    if (auto location = filled_location(rule->location, path, outcome))
      result.headers.emplace_back("Location", std::move(*location));
  return result;
}

} // namespace semiasync::http
