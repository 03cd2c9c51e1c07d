#pragma once

// The checks every JSON request body passes before any route reads it:
// size, media type, UTF-8, nesting, and one top-level object without a
// repeated key. Shared by the built-in create-user route and configured
// routes, so every route refuses the same bad input the same way.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace semiasync::http {

/// What is wrong with a request. The HTTP status of each is decided with
/// every other answer, in http/answer.cpp.
enum class input_problem {
  /// The Idempotency-Key is empty, too long or not printable ASCII.
  invalid_idempotency_key,
  /// The request ID could not be derived from a valid Idempotency-Key.
  key_not_derivable,
  /// The body is larger than the configured limit.
  body_too_large,
  /// The content type is not JSON.
  not_json_media_type,
  /// The body is not a JSON object with the fields its route needs.
  invalid_body,
};

/// A refused body: what is wrong, and our own words for it.
struct body_refusal {
  /// What is wrong.
  input_problem problem;
  /// Says exactly what (for the answer's `detail`).
  std::string detail;
};

/// The body as a JSON object, or why it is refused: over `max_body` bytes,
/// a `content_type` that is not JSON (absent counts as JSON), invalid
/// UTF-8, nesting deeper than 32, not JSON, not an object, or a top-level
/// key repeated (two parsers could read such a body differently).
std::variant<nlohmann::json, body_refusal>
read_json_object(std::optional<std::string_view> content_type,
                 std::string_view body, std::size_t max_body);

/// A JSON value as text in a key or a URL: a string's text, a number's
/// digits; nothing for anything else.
std::optional<std::string> scalar_text(const nlohmann::json& value);

} // namespace semiasync::http
