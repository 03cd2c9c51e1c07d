#include "http/create_user_input.hpp"

#include "domain/idempotency_key.hpp"
#include "domain/user_name_rules.hpp"

#include <string>

namespace semiasync::http {

namespace {

create_user_rejection reject(input_problem what, std::string detail,
                             const request_id& id) {
  return {id, what, std::move(detail)};
}

create_user_rejection invalid_body(std::string detail, const request_id& id) {
  return reject(input_problem::invalid_body, std::move(detail), id);
}

} // namespace

std::variant<create_user_command, create_user_rejection>
parse_create_user(const create_user_input& input, size_t max_body,
                  const request_id& fresh_id,
                  std::string_view idempotency_secret) {
  auto id = fresh_id;
  if (input.idempotency_key) {
    if (!is_valid_idempotency_key(*input.idempotency_key))
      return reject(input_problem::invalid_idempotency_key,
                    idempotency_key_rule, fresh_id);
    auto derived = request_id_of_key(
      idempotency_secret, input.idempotency_scope, *input.idempotency_key);
    if (!derived)
      return reject(input_problem::key_not_derivable,
                    "the request ID could not be derived from the "
                    "Idempotency-Key",
                    fresh_id);
    id = request_id{std::move(*derived)};
  }
  auto read = read_json_object(input.content_type, input.body, max_body);
  if (auto refused = std::get_if<body_refusal>(&read))
    return reject(refused->problem, std::move(refused->detail), id);
  auto& doc = std::get<nlohmann::json>(read);
  auto name = doc.find("name");
  if (name == doc.end()) return invalid_body("field 'name' is missing", id);
  if (!name->is_string())
    return invalid_body("field 'name' must be a string", id);
  auto text = name->get<std::string>();
  if (auto why = user_name_problem(text)) return invalid_body(*why, id);
  return create_user_command{id, user_name{std::move(text)}};
}

} // namespace semiasync::http
