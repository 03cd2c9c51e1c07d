#pragma once

#include "domain/types.hpp"
#include "http/json_body.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace semiasync::http {

/// The parts of a create-user request the server interprets.
struct create_user_input {
  /// The `Content-Type` header, when present.
  std::optional<std::string_view> content_type;
  /// The `Idempotency-Key` header, when present.
  std::optional<std::string_view> idempotency_key;
  /// The body.
  std::string_view body;
  /// The client's identity that scopes its Idempotency-Keys: the value of
  /// the configured `idempotencyScopeHeader` ("" when the request lacks
  /// it); nothing when no scope header is configured.
  std::optional<std::string_view> idempotency_scope;
};

/// A valid create-user request.
struct create_user_command {
  /// Derived from the Idempotency-Key, or fresh.
  request_id request;
  /// The validated name.
  user_name name;
};

/// An invalid create-user request: what is wrong, in our own words, and the
/// request ID to name in the answer.
struct create_user_rejection {
  /// Derived from the Idempotency-Key when valid, else fresh.
  request_id request;
  /// What is wrong.
  input_problem problem;
  /// Says exactly what (for the answer's `detail`).
  std::string detail;
};

/// Validates a create-user request per the contract: too large over
/// `max_body`, a content type that is not JSON, and what is wrong with the
/// body (a key repeated in the top-level object included) or the
/// Idempotency-Key. Fresh request IDs come from `fresh_id`; a key's request
/// ID is `request_id_of_key(idempotency_secret, input.idempotency_scope,
/// key)`.
std::variant<create_user_command, create_user_rejection>
parse_create_user(const create_user_input& input, size_t max_body,
                  const request_id& fresh_id,
                  std::string_view idempotency_secret = {});

} // namespace semiasync::http
