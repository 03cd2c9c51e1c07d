#include "http/answer.hpp"

#include "domain/error.hpp"
#include "domain/uuid.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

namespace semiasync::http {

namespace {

using json = nlohmann::json;

/// A stable, dereferenceable-free problem type per status.
std::string problem_type(uint16_t status) {
  return "urn:semiasync:problem:" + std::to_string(status);
}

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
      return unavailable(
        "the request could not be published to Kafka; try again", id);
    case error_code::draining:
      return unavailable(
        "the server is shutting down; send the request to another instance",
        id);
    case error_code::overloaded:
      // Our own words (the server's limits), never library text.
      return unavailable(detail_of(err).empty()
                           ? "the server is at its limit; try again"
                           : detail_of(err) + "; try again",
                         id);
    case error_code::database_unavailable:
      return unavailable("the database is unavailable; try again", id);
    case error_code::broker_unavailable:
    case error_code::component_failed:
      return unavailable("the service is unavailable; try again", id);
    case error_code::request_id_conflict:
      return problem(
        422, "this Idempotency-Key was already used with another name", id);
    default: return problem(500, "the request could not be processed", id);
  }
}

/// The worker refused the request for good: never worth a plain retry.
answer from_rejection(const user_rejected& why, const request_id& id) {
  switch (why.reason) {
    case error_code::request_id_conflict:
      return problem(
        422, "this Idempotency-Key was already used with another name", id);
    case error_code::malformed_record:
      // The detail is the codec's own description of the record.
      return problem(
        400, "the worker could not read the request: " + why.detail, id);
    default: return problem(422, "the database refused this request", id);
  }
}

std::string dump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// The JSON of a user, as POST answers and GET /users/<uuid> show it.
json user_document(const user_uuid& user, const user_name& name) {
  return {{"uuid", user.value}, {"name", name.value}};
}

answer with_user_location(answer result, const user_uuid& user) {
  result.headers.emplace_back("Location", "/users/" + user.value);
  return result;
}

/// What a 404 for a request ID says.
constexpr std::string_view unknown_request = "no request with this ID is known";

/// "The request is known and not done yet": 202 pointing at its status.
answer accepted(const request_id& id, const std::optional<user_name>& attempt) {
  json doc{{"requestId", id.value}, {"status", "pending"}};
  auto result = json_answer(202, dump(doc));
  result.headers.emplace_back("Location", status_location(id, attempt));
  result.headers.emplace_back("Retry-After", retry_after_seconds);
  return result;
}

/// The status of an attempt whose request ID another name holds: the worker
/// refuses it (or did), whichever instance it reached.
answer refused_attempt(const request_id& id, const user_name& attempt) {
  json doc{{"requestId", id.value},
           {"status", "rejected"},
           {"name", attempt.value},
           {"error", to_string(error_code::request_id_conflict)}};
  return json_answer(200, dump(doc));
}

} // namespace

std::string percent_encoded(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string result;
  result.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      result += static_cast<char>(c);
    } else {
      result += '%';
      result += hex[c >> 4];
      result += hex[c & 0x0F];
    }
  }
  return result;
}

std::string status_location(const request_id& id,
                            const std::optional<user_name>& attempt) {
  auto result = "/requests/" + id.value;
  if (attempt) result += "?name=" + percent_encoded(attempt->value);
  return result;
}

answer answer_async(const caf::expected<outcome>& result, const request_id& id,
                    const std::optional<user_name>& attempt) {
  if (!result && code_of(result.error()) == error_code::reply_timeout)
    return accepted(id, attempt);
  return answer_for(result, id);
}

answer answer_create(const caf::expected<outcome>& result, const request_id& id,
                     const std::optional<user_name>& attempt,
                     const preferences& prefs,
                     std::chrono::milliseconds deadline) {
  auto a = prefs.respond_async ? answer_async(result, id, attempt)
                               : answer_for(result, id);
  auto applied = preference_applied(prefs, a.status == 202, deadline);
  if (!applied.empty())
    a.headers.emplace_back("Preference-Applied", std::move(applied));
  return a;
}

answer
answer_request_status(const caf::expected<std::optional<outcome>>& stored,
                      bool pending, const request_id& id,
                      const std::optional<user_name>& attempt,
                      const std::optional<user_name>& also_duplicated) {
  if (!stored) return from_error(stored.error(), id);
  if (!*stored) {
    if (pending) return accepted(id, attempt);
    return problem(404, unknown_request, id);
  }
  // The ID is bound to the name of its stored outcome: any other name under
  // it is refused by the worker's rule, so it never reads that outcome;
  // except a duplicate decided beside the creation by another worker.
  if (attempt && name_of(**stored) != *attempt) {
    if (also_duplicated == attempt)
      return answer_request_status(outcome{user_duplicated{id, *attempt}},
                                   false, id);
    return refused_attempt(id, *attempt);
  }
  struct visitor {
    answer operator()(const user_created& x) const {
      auto doc = user_document(x.user, x.name);
      doc["requestId"] = x.request.value;
      doc["status"] = "created";
      return with_user_location(json_answer(200, dump(doc)), x.user);
    }
    answer operator()(const user_duplicated& x) const {
      json doc{{"requestId", x.request.value},
               {"status", "duplicated"},
               {"name", x.name.value}};
      return json_answer(200, dump(doc));
    }
    answer operator()(const user_rejected& x) const {
      json doc{{"requestId", x.request.value},
               {"status", "rejected"},
               {"name", x.name.value},
               {"error", to_string(x.reason)}};
      return json_answer(200, dump(doc));
    }
  };
  return std::visit(visitor{}, **stored);
}

answer unknown_request_id() {
  return fresh_problem(404, unknown_request);
}

answer malformed_status_query(const request_id& id) {
  return problem(400, "the query string is malformed", id);
}

answer lookups_refused(const request_id& trace) {
  return from_error(make_error(error_code::overloaded,
                               "too many lookups are waiting for the database"),
                    trace);
}

answer answer_user(const caf::expected<std::optional<stored_user>>& found,
                   const request_id& trace) {
  if (!found) return from_error(found.error(), trace);
  if (!*found) return problem(404, "no user with this ID", trace);
  return json_answer(200, dump(user_document((*found)->user, (*found)->name)));
}

answer problem(uint16_t status, std::string_view detail, const request_id& id) {
  json doc{{"type", problem_type(status)},
           {"title", reason_phrase(status)},
           {"status", status},
           {"detail", detail}};
  if (!id.value.empty()) doc["requestId"] = id.value;
  return {status, dump(doc), "application/problem+json", {}};
}

answer fresh_problem(uint16_t status, std::string_view detail,
                     const char* allow) {
  request_id id{random_uuid()};
  auto result = problem(status, detail, id);
  result.headers.emplace_back("X-Request-Id", id.value);
  if (allow) result.headers.emplace_back("Allow", allow);
  return result;
}

answer answer_for(const caf::expected<outcome>& result, const request_id& id) {
  if (!result) return from_error(result.error(), id);
  if (auto created = std::get_if<user_created>(&*result))
    return with_user_location(
      json_answer(201, dump(user_document(created->user, created->name))),
      created->user);
  if (auto rejected = std::get_if<user_rejected>(&*result))
    return from_rejection(*rejected, id);
  return problem(409, "a user with this name already exists", id);
}

answer answer_rejection(const create_user_rejection& rejected) {
  auto status = [&]() -> uint16_t {
    switch (rejected.problem) {
      case input_problem::invalid_idempotency_key:
      case input_problem::invalid_body: return 400;
      case input_problem::body_too_large: return 413;
      case input_problem::not_json_media_type: return 415;
      case input_problem::key_not_derivable: return 500;
    }
    return 400;
  }();
  return problem(status, rejected.detail, rejected.request);
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
