#include "http/create_user_input.hpp"

#include "domain/ascii_text.hpp"
#include "domain/idempotency_key.hpp"
#include "domain/user_name_rules.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace semiasync::http {

namespace {

/// Deeper JSON is rejected before parsing: no valid request needs it, and
/// it bounds the parser's work on hostile input.
constexpr size_t max_json_depth = 32;

/// The longest accepted Idempotency-Key.
constexpr size_t max_key_length = 255;

/// `application/json`, or any `application/<x>+json`, parameters allowed.
bool is_json_media_type(std::string_view value) {
  auto type = ascii_lowercase(trim_blanks(value.substr(0, value.find(';'))));
  if (type == "application/json") return true;
  return type.rfind("application/", 0) == 0 && type.size() > 17
         && type.compare(type.size() - 5, 5, "+json") == 0;
}

/// How deep brackets nest outside of strings.
size_t nesting_depth(std::string_view body) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// What parsing the body found.
struct parsed_body {
  /// The document; discarded when the body is not JSON.
  nlohmann::json doc;
  /// True when the top-level object names a key twice.
  bool duplicate_key = false;
};

/// Parses `body` (a leading UTF-8 byte order mark is skipped, as RFC 8259
/// allows), noting whether the top-level object repeats a key. nlohmann
/// keeps the last of duplicate keys, other parsers the first: answering
/// either would mean that two components can read one request differently,
/// so a repeated key is refused. Keys compare after unescaping, so
/// `"n\u0061me"` repeats `"name"`. Nested objects are not checked: their
/// content is never interpreted.
parsed_body parse_json(std::string_view body) {
  parsed_body result;
  std::set<std::string> top_level_keys;
  auto watch = [&](int depth, nlohmann::json::parse_event_t event,
                   nlohmann::json& parsed) {
    // Depth 1 is the top-level object's own keys.
    if (event == nlohmann::json::parse_event_t::key && depth == 1
        && !top_level_keys.insert(parsed.get<std::string>()).second)
      result.duplicate_key = true;
    return true;
  };
  result.doc = nlohmann::json::parse(body, watch, false);
  return result;
}

create_user_rejection reject(input_problem what, std::string detail,
                             const request_id& id) {
  return {id, what, std::move(detail)};
}

create_user_rejection invalid_body(std::string detail, const request_id& id) {
  return reject(input_problem::invalid_body, std::move(detail), id);
}

bool is_valid_key(std::string_view key) {
  if (key.empty() || key.size() > max_key_length) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return c >= 0x21 && c <= 0x7E;
  });
}

} // namespace

std::variant<create_user_command, create_user_rejection>
parse_create_user(const create_user_input& input, size_t max_body,
                  const request_id& fresh_id,
                  std::string_view idempotency_secret) {
  auto id = fresh_id;
  if (input.idempotency_key) {
    if (!is_valid_key(*input.idempotency_key))
      return reject(input_problem::invalid_idempotency_key,
                    "Idempotency-Key must be 1 to 255 printable ASCII "
                    "characters without spaces",
                    fresh_id);
    auto derived = request_id_of_key(
      idempotency_secret, input.idempotency_scope, *input.idempotency_key);
    if (!derived)
      return reject(input_problem::key_not_derivable,
                    "the request ID could not be derived from the "
                    "Idempotency-Key",
                    fresh_id);
    id = request_id{std::move(*derived)};
  }
  if (input.body.size() > max_body)
    return reject(
      input_problem::body_too_large,
      "the body is larger than " + std::to_string(max_body) + " bytes", id);
  if (input.content_type && !is_json_media_type(*input.content_type))
    return reject(input_problem::not_json_media_type,
                  "the body must be application/json", id);
  if (!is_valid_utf8(input.body))
    return invalid_body("the body is not valid UTF-8", id);
  if (nesting_depth(input.body) > max_json_depth)
    return invalid_body("the body nests too deeply", id);
  // No JSON text holds a raw NUL, and nlohmann stops reading at one as if
  // the input ended there: `{"name":"a"}\0<anything>` would pass.
  if (input.body.find('\0') != std::string_view::npos)
    return invalid_body("the body is not valid JSON", id);
  auto [doc, duplicate_key] = parse_json(input.body);
  if (doc.is_discarded()) return invalid_body("the body is not valid JSON", id);
  if (!doc.is_object())
    return invalid_body("the body must be a JSON object", id);
  if (duplicate_key) return invalid_body("the body has a duplicate key", id);
  auto name = doc.find("name");
  if (name == doc.end()) return invalid_body("field 'name' is missing", id);
  if (!name->is_string())
    return invalid_body("field 'name' must be a string", id);
  auto text = name->get<std::string>();
  if (auto why = user_name_problem(text)) return invalid_body(*why, id);
  return create_user_command{id, user_name{std::move(text)}};
}

} // namespace semiasync::http
