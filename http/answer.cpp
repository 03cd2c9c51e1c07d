#include "http/answer.hpp"

#include "domain/error.hpp"

#include <nlohmann/json.hpp>

namespace semiasync::http {

namespace {

using json = nlohmann::json;

/// A stable, dereferenceable-free problem type per status.
std::string problem_type(uint16_t status) {
  return "urn:semiasync:problem:" + std::to_string(status);
}

/// How long a client should wait before retrying a 503, in seconds.
constexpr const char* retry_after_seconds = "1";

answer unavailable(std::string_view detail, const request_id& id) {
  auto result = problem(503, detail, id);
  result.headers.emplace_back("Retry-After", retry_after_seconds);
  return result;
}

/// Error details name topics and library messages: they go to logs, never
/// to clients, so each status gets our own words.
answer from_error(const caf::error& err, const request_id& id) {
  switch (code_of(err)) {
    case error_code::reply_timeout:
    case error_code::publish_uncertain:
      return problem(504,
                     "no outcome arrived before the reply deadline; the "
                     "request may still complete",
                     id);
    case error_code::publish_failed:
      return unavailable("the request could not be published; try again", id);
    case error_code::unavailable:
    case error_code::database_unavailable:
      return unavailable("the service is unavailable; try again", id);
    case error_code::request_id_conflict:
      return problem(422, "this request ID was already used for another name",
                     id);
    default: return problem(500, "the request could not be processed", id);
  }
}

} // namespace

answer problem(uint16_t status, std::string_view detail, const request_id& id) {
  json doc{{"type", problem_type(status)},
           {"title", reason_phrase(status)},
           {"status", status},
           {"detail", detail}};
  if (!id.value.empty()) doc["requestId"] = id.value;
  return {status,
          doc.dump(-1, ' ', false, json::error_handler_t::replace),
          "application/problem+json",
          {}};
}

answer answer_for(const caf::expected<outcome>& result, const request_id& id) {
  if (!result) return from_error(result.error(), id);
  if (auto created = std::get_if<user_created>(&*result)) {
    json doc{{"uuid", created->user.value}, {"name", created->name.value}};
    return {201,
            doc.dump(-1, ' ', false, json::error_handler_t::replace),
            "application/json",
            {{"Location", "/users/" + created->user.value}}};
  }
  return problem(409, "a user with this name already exists", id);
}

std::string_view reason_phrase(uint16_t status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 303: return "See Other";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

} // namespace semiasync::http
