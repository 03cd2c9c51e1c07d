#include "http/gateway_answer.hpp"

#include "http/outcome_answer.hpp"

#include <nlohmann/json.hpp>

namespace semiasync::http {

namespace {

using json = nlohmann::json;

std::string dump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

std::optional<answer>
answer_claim(const claim_result& claim, const config::route_spec& route,
             const std::vector<config::path_template::binding>& path) {
  switch (claim.state) {
    case claim_state::claimed: return std::nullopt;
    case claim_state::answered: {
      auto result = answer_route_outcome(route, path, claim.reply->event_type,
                                         claim.reply->value, claim.request);
      result.headers.emplace_back("Idempotent-Replayed", "true");
      return result;
    }
    case claim_state::in_flight: {
      auto result = problem(409,
                            "a request with this Idempotency-Key is still in "
                            "progress; retry later for its answer",
                            claim.request);
      result.headers.emplace_back("Retry-After", retry_after_seconds);
      result.headers.emplace_back("Location", status_location(claim.request));
      return result;
    }
    case claim_state::body_mismatch:
      return problem(422,
                     "this Idempotency-Key was already used with another "
                     "request",
                     claim.request);
  }
  return problem(500, "the request could not be processed", claim.request);
}

answer answer_route(const caf::expected<route_reply>& result,
                    const config::route_spec& route,
                    const std::vector<config::path_template::binding>& path,
                    const request_id& id, const preferences& prefs,
                    std::chrono::milliseconds deadline) {
  if (!result)
    return answer_create(caf::expected<outcome>{result.error()}, id,
                         std::nullopt, prefs, deadline);
  auto a
    = answer_route_outcome(route, path, result->event_type, result->value, id);
  auto applied = preference_applied(prefs, false, deadline);
  if (!applied.empty())
    a.headers.emplace_back("Preference-Applied", std::move(applied));
  return a;
}

answer answer_route_status(const gateway_entry& entry,
                           const config::route_spec* route) {
  if (!entry.reply) {
    json doc{{"requestId", entry.request.value},
             {"status", "pending"},
             {"route", entry.route}};
    auto result = json_answer(202, dump(doc));
    result.headers.emplace_back("Location", status_location(entry.request));
    result.headers.emplace_back("Retry-After", retry_after_seconds);
    return result;
  }
  json doc{{"requestId", entry.request.value},
           {"status", "done"},
           {"route", entry.route},
           {"eventType", entry.reply->event_type}};
  if (route) {
    // No path parameters are stored: a Location template that needs one
    // is left out here, as answer_route_outcome leaves out any it cannot
    // fill.
    auto would = answer_route_outcome(*route, {}, entry.reply->event_type,
                                      entry.reply->value, entry.request);
    doc["httpStatus"] = would.status;
    doc["body"] = json::parse(would.body, nullptr, false);
  } else {
    doc["value"] = entry.reply->value;
  }
  return json_answer(200, dump(doc));
}

} // namespace semiasync::http
