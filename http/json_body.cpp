#include "http/json_body.hpp"

#include "domain/ascii_text.hpp"
#include "domain/user_name_rules.hpp"

#include <algorithm>
#include <set>

namespace semiasync::http {

namespace {

/// Deeper JSON is rejected before parsing: no valid request needs it, and
/// it bounds the parser's work on hostile input.
constexpr size_t max_json_depth = 32;

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

body_refusal invalid(std::string detail) {
  return {input_problem::invalid_body, std::move(detail)};
}

} // namespace

std::optional<std::string> scalar_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  return std::nullopt;
}

std::variant<nlohmann::json, body_refusal>
read_json_object(std::optional<std::string_view> content_type,
                 std::string_view body, std::size_t max_body) {
  if (body.size() > max_body)
    return body_refusal{input_problem::body_too_large,
                        "the body is larger than " + std::to_string(max_body)
                          + " bytes"};
  if (content_type && !is_json_media_type(*content_type))
    return body_refusal{input_problem::not_json_media_type,
                        "the body must be application/json"};
  if (!is_valid_utf8(body)) return invalid("the body is not valid UTF-8");
  if (nesting_depth(body) > max_json_depth)
    return invalid("the body nests too deeply");
  // No JSON text holds a raw NUL, and nlohmann stops reading at one as if
  // the input ended there: `{"name":"a"}\0<anything>` would pass.
  if (body.find('\0') != std::string_view::npos)
    return invalid("the body is not valid JSON");
  auto [doc, duplicate_key] = parse_json(body);
  if (doc.is_discarded()) return invalid("the body is not valid JSON");
  if (!doc.is_object()) return invalid("the body must be a JSON object");
  if (duplicate_key) return invalid("the body has a duplicate key");
  return std::move(doc);
}

} // namespace semiasync::http
