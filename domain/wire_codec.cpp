#include "domain/wire_codec.hpp"

#include "domain/error.hpp"
#include "domain/user_name_rules.hpp"
#include "domain/uuid.hpp"

#include <nlohmann/json.hpp>

namespace semiasync {

namespace {

using json = nlohmann::json;

caf::error malformed(std::string why) {
  return make_error(error_code::malformed_record, std::move(why));
}

/// Parses `text` as a JSON object; nothing when it is not one.
std::optional<json> parse_object(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::nullopt;
  return doc;
}

/// Reads the string field `key` of `doc` into `out`; the reason when absent.
std::optional<std::string> read_string(const json& doc, const char* key,
                                       std::string& out) {
  auto i = doc.find(key);
  if (i == doc.end())
    return std::string{"field '"} + key + "' is missing";
  if (!i->is_string())
    return std::string{"field '"} + key + "' is not a string";
  out = i->get<std::string>();
  return std::nullopt;
}

/// Reads a UUID field that must be in canonical form.
std::optional<std::string> read_uuid(const json& doc, const char* key,
                                     std::string& out) {
  if (auto problem = read_string(doc, key, out))
    return problem;
  if (!is_canonical_uuid(out))
    return std::string{"field '"} + key + "' is not a lower-case UUID";
  return std::nullopt;
}

/// Checks that a present `requestUUID` header agrees with the value.
std::optional<std::string> header_problem(const wire_message& msg,
                                          const std::string& request,
                                          bool required) {
  auto hdr = msg.header_value(request_uuid_header);
  if (!hdr)
    return required ? std::optional<std::string>{"header 'requestUUID' is missing"}
                    : std::nullopt;
  if (*hdr != request)
    return "header 'requestUUID' disagrees with the value";
  return std::nullopt;
}

std::vector<header> outcome_headers(const char* type, const request_id& id) {
  return {{event_type_header, type}, {request_uuid_header, id.value}};
}

} // namespace

wire_message encode_request(const create_user_requested& request) {
  json doc{{"requestUUID", request.request.value},
           {"name", request.name.value}};
  return {request.name.value, doc.dump(),
          {{request_uuid_header, request.request.value}}};
}

caf::expected<create_user_requested> decode_request(const wire_message& msg) {
  auto doc = parse_object(msg.value);
  if (!doc)
    return malformed("value is not a JSON object");
  std::string id;
  std::string name;
  if (auto problem = read_uuid(*doc, "requestUUID", id))
    return malformed(*problem);
  if (auto problem = read_string(*doc, "name", name))
    return malformed(*problem);
  if (auto problem = user_name_problem(name))
    return malformed(*problem);
  if (auto problem = header_problem(msg, id, true))
    return malformed(*problem);
  return create_user_requested{request_id{std::move(id)},
                               user_name{std::move(name)}};
}

wire_message encode_outcome(const outcome& result) {
  struct visitor {
    wire_message operator()(const user_created& x) const {
      json doc{{"requestUUID", x.request.value},
               {"userUUID", x.user.value},
               {"name", x.name.value}};
      return {x.name.value, doc.dump(), outcome_headers("UserCreated", x.request)};
    }
    wire_message operator()(const user_duplicated& x) const {
      json doc{{"requestUUID", x.request.value}, {"name", x.name.value}};
      return {x.name.value, doc.dump(),
              outcome_headers("UserDuplicated", x.request)};
    }
  };
  return std::visit(visitor{}, result);
}

caf::expected<outcome> decode_outcome(const wire_message& msg) {
  auto type = msg.header_value(event_type_header);
  if (!type)
    return malformed("header 'eventType' is missing");
  auto doc = parse_object(msg.value);
  if (!doc)
    return malformed("value is not a JSON object");
  std::string id;
  std::string name;
  if (auto problem = read_uuid(*doc, "requestUUID", id))
    return malformed(*problem);
  if (auto problem = read_string(*doc, "name", name))
    return malformed(*problem);
  // The reference consumer always sets the header; a value-only record is
  // still unambiguous, so the header is optional here.
  if (auto problem = header_problem(msg, id, false))
    return malformed(*problem);
  if (*type == "UserDuplicated")
    return user_duplicated{request_id{std::move(id)}, user_name{std::move(name)}};
  if (*type != "UserCreated")
    return malformed("unknown eventType '" + std::string{*type} + "'");
  std::string user;
  if (auto problem = read_uuid(*doc, "userUUID", user))
    return malformed(*problem);
  return user_created{request_id{std::move(id)}, user_uuid{std::move(user)},
                      user_name{std::move(name)}};
}

} // namespace semiasync
