#pragma once

#include "domain/events.hpp"
#include "domain/types.hpp"
#include "domain/user_repository.hpp"
#include "http/create_user_input.hpp"
#include "http/prefer.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace semiasync::http {

/// An HTTP answer, independent of the server library, so the mapping from
/// results to statuses is testable on its own.
struct answer {
  /// The status code.
  uint16_t status = 200;
  /// The body.
  std::string body;
  /// The body's media type.
  std::string content_type = "application/json";
  /// Further headers.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// How long a client should wait before retrying a 503 or polling a 202, in
/// seconds (`Retry-After`).
inline constexpr const char* retry_after_seconds = "1";

/// A JSON answer without further headers.
inline answer json_answer(uint16_t status, std::string body) {
  return {status, std::move(body), "application/json", {}};
}

/// An RFC 9457 `application/problem+json` answer: `type`, `title`, `status`,
/// `detail`, plus `requestId` when there is one. `detail` must never carry
/// library messages or SQL: callers pass our own words.
answer problem(uint16_t status, std::string_view detail,
               const request_id& id = request_id{});

/// A problem naming a fresh request ID, in its body and in `X-Request-Id`,
/// for answers that reach no handler: the contract wants every answer to a
/// POST to name one. `allow` adds the `Allow` field of a 405.
answer fresh_problem(uint16_t status, std::string_view detail,
                     const char* allow = nullptr);

/// The one place where results become HTTP: 201 for a user this request
/// created, 409 for a duplicate, and each error code to its status.
answer answer_for(const caf::expected<outcome>& result, const request_id& id);

/// `text` percent-encoded for a URL query value or path segment:
/// unreserved bytes stay, every other byte (UTF-8 included) becomes %XX.
std::string percent_encoded(std::string_view text);

/// Where a client polls for the outcome of `id`: `/requests/<id>`, plus
/// `?name=<percent-encoded name>` for an `attempt` under an Idempotency-Key,
/// whose request ID another name may share.
std::string status_location(const request_id& id,
                            const std::optional<user_name>& attempt
                            = std::nullopt);

/// `answer_for` for a client that sent `Prefer: respond-async`: a deadline
/// that passed after the request was published is a `202 Accepted` with
/// `Location` (see `status_location`) and `Retry-After`, not a 504.
answer answer_async(const caf::expected<outcome>& result, const request_id& id,
                    const std::optional<user_name>& attempt = std::nullopt);

/// The answer to a create-user POST: `answer_async` for a client that
/// prefers `respond-async`, else `answer_for`; with `Preference-Applied`
/// naming what of `prefs` was honoured (see `preference_applied`), given
/// the request's `deadline`.
answer answer_create(const caf::expected<outcome>& result, const request_id& id,
                     const std::optional<user_name>& attempt,
                     const preferences& prefs,
                     std::chrono::milliseconds deadline);

/// `GET /requests/<id>[?name=<attempt>]`: 200 with the stored outcome (and
/// `Location` of the user it created), else 202 while this server knows the
/// request as `pending`, else 404; a failed lookup is a 503. For an
/// `attempt` whose name the stored outcome does not carry, 200 with status
/// `rejected` (`request_id_conflict`): the ID belongs to another name;
/// unless `also_duplicated` names the attempt (a duplicate recorded under
/// the ID beside its created row: two workers decided two names of one key
/// at once), which is then `duplicated`.
answer answer_request_status(
  const caf::expected<std::optional<outcome>>& stored, bool pending,
  const request_id& id, const std::optional<user_name>& attempt = std::nullopt,
  const std::optional<user_name>& also_duplicated = std::nullopt);

/// `GET /requests/<text>` for a `text` that is no request ID: a 404 naming a
/// fresh request ID, as `fresh_problem` does.
answer unknown_request_id();

/// `GET /requests/<id>?<query>` whose query cannot be read: a 400. Answering
/// the ID's own status instead would show another name's outcome to an
/// attempt whose name could not be read.
answer malformed_status_query(const request_id& id);

/// A lookup refused because too many wait for the database already: a 503
/// with `Retry-After`. `trace` names the lookup.
answer lookups_refused(const request_id& trace);

/// `GET /users/<uuid>`: 200 with the user, 404 when there is none; a failed
/// lookup is a 503. `trace` names the lookup in problem bodies.
answer answer_user(const caf::expected<std::optional<stored_user>>& found,
                   const request_id& trace);

/// A create-user request refused before anything was published: 400 for an
/// invalid body or Idempotency-Key, 413 for a body over the limit, 415 for
/// a body that is not JSON, 500 for a key whose request ID could not be
/// derived; the body names the rejection's request ID.
answer answer_rejection(const create_user_rejection& rejected);

/// The standard reason phrase of `status`.
std::string_view reason_phrase(uint16_t status);

} // namespace semiasync::http
