#include "kafka/wire_codec.hpp"

#include "domain/ascii_text.hpp"
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
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc;
}

/// Reads the string field `key` of `doc` into `out`; the reason when absent.
std::optional<std::string> read_string(const json& doc, const char* key,
                                       std::string& out) {
  auto i = doc.find(key);
  if (i == doc.end()) return std::string{"field '"} + key + "' is missing";
  if (!i->is_string())
    return std::string{"field '"} + key + "' is not a string";
  out = i->get<std::string>();
  return std::nullopt;
}

/// Reads a UUID field that must be in canonical form.
std::optional<std::string> read_uuid(const json& doc, const char* key,
                                     std::string& out) {
  if (auto problem = read_string(doc, key, out)) return problem;
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
    return required
             ? std::optional<std::string>{"header 'requestUUID' is missing"}
             : std::nullopt;
  if (*hdr != request) return "header 'requestUUID' disagrees with the value";
  return std::nullopt;
}

/// The fields every record of both topics carries.
struct common_fields {
  std::string request;
  std::string name;
};

/// Reads `requestUUID` and `name` from the parsed value `doc` and checks
/// the `requestUUID` header against it.
caf::expected<common_fields>
read_common(const json& doc, const wire_message& msg, bool header_required) {
  common_fields result;
  if (auto problem = read_uuid(doc, "requestUUID", result.request))
    return malformed(*problem);
  if (auto problem = read_string(doc, "name", result.name))
    return malformed(*problem);
  if (auto problem = header_problem(msg, result.request, header_required))
    return malformed(*problem);
  return result;
}

std::vector<header> outcome_headers(const char* type, const request_id& id) {
  return {{event_type_header, type}, {request_uuid_header, id.value}};
}

/// The rest of a `UserRejected` value, after the common fields.
caf::expected<outcome> decode_rejected(const json& doc, request_id& id,
                                       user_name& name) {
  std::string reason;
  if (auto problem = read_string(doc, "error", reason))
    return malformed(*problem);
  auto code = error_code_from_string(reason);
  if (!code) return malformed("field 'error' names no known error");
  std::string detail;
  // The detail is optional: a rejection without words is still one.
  read_string(doc, "detail", detail);
  return user_rejected{std::move(id), std::move(name), *code,
                       std::move(detail)};
}

} // namespace

std::optional<request_id> salvage_request_id(const wire_message& msg) {
  std::optional<std::string> from_header;
  if (auto hdr = msg.header_value(request_uuid_header);
      hdr && is_canonical_uuid(*hdr))
    from_header = std::string{*hdr};
  std::optional<std::string> from_value;
  if (auto doc = parse_object(msg.value)) {
    std::string value;
    if (!read_uuid(*doc, "requestUUID", value)) from_value = std::move(value);
  }
  if (from_header && from_value && *from_header != *from_value)
    return std::nullopt;
  if (from_value) return request_id{std::move(*from_value)};
  if (from_header) return request_id{std::move(*from_header)};
  return std::nullopt;
}

wire_message encode_request(const create_user_requested& request,
                            std::optional<int32_t> reply_partition) {
  json doc{{"requestUUID", request.request.value},
           {"name", request.name.value}};
  wire_message result{request.name.value,
                      doc.dump(),
                      {{request_uuid_header, request.request.value}}};
  if (reply_partition)
    result.headers.push_back(
      {reply_partition_header, std::to_string(*reply_partition)});
  return result;
}

caf::expected<create_user_requested> decode_request(const wire_message& msg) {
  auto doc = parse_object(msg.value);
  if (!doc) return malformed("value is not a JSON object");
  auto fields = read_common(*doc, msg, true);
  if (!fields) return std::move(fields.error());
  if (auto problem = user_name_problem(fields->name))
    return malformed(*problem);
  return create_user_requested{request_id{std::move(fields->request)},
                               user_name{std::move(fields->name)}};
}

wire_message encode_outcome(const outcome& result) {
  struct visitor {
    wire_message operator()(const user_created& x) const {
      json doc{{"requestUUID", x.request.value},
               {"userUUID", x.user.value},
               {"name", x.name.value}};
      return {x.name.value, doc.dump(),
              outcome_headers("UserCreated", x.request)};
    }
    wire_message operator()(const user_duplicated& x) const {
      json doc{{"requestUUID", x.request.value}, {"name", x.name.value}};
      return {x.name.value, doc.dump(),
              outcome_headers("UserDuplicated", x.request)};
    }
    wire_message operator()(const user_rejected& x) const {
      json doc{{"requestUUID", x.request.value},
               {"name", x.name.value},
               {"error", to_string(x.reason)},
               {"detail", x.detail}};
      // The name of a malformed record may be invalid UTF-8: replace, never
      // throw, so a rejection can always be told.
      return {x.name.value,
              doc.dump(-1, ' ', false, json::error_handler_t::replace),
              outcome_headers("UserRejected", x.request)};
    }
  };
  return std::visit(visitor{}, result);
}

std::string_view outcome_event_type(const outcome& result) {
  struct visitor {
    std::string_view operator()(const user_created&) const {
      return "UserCreated";
    }
    std::string_view operator()(const user_duplicated&) const {
      return "UserDuplicated";
    }
    std::string_view operator()(const user_rejected&) const {
      return "UserRejected";
    }
  };
  return std::visit(visitor{}, result);
}

caf::expected<outcome> decode_outcome(const wire_message& msg) {
  auto type = msg.header_value(event_type_header);
  if (!type) return malformed("header 'eventType' is missing");
  // The reference consumer always sets the requestUUID header; a value-only
  // record is still unambiguous, so the header is optional here.
  auto doc = parse_object(msg.value);
  if (!doc) return malformed("value is not a JSON object");
  auto fields = read_common(*doc, msg, false);
  if (!fields) return std::move(fields.error());
  request_id id{std::move(fields->request)};
  user_name name{std::move(fields->name)};
  if (*type == "UserDuplicated")
    return user_duplicated{std::move(id), std::move(name)};
  if (*type == "UserRejected") return decode_rejected(*doc, id, name);
  if (*type != "UserCreated")
    return malformed("unknown eventType '" + std::string{*type} + "'");
  std::string user;
  if (auto problem = read_uuid(*doc, "userUUID", user))
    return malformed(*problem);
  return user_created{std::move(id), user_uuid{std::move(user)},
                      std::move(name)};
}

std::optional<int32_t> requested_reply_partition(const wire_message& request) {
  auto value = request.header_value(reply_partition_header);
  if (!value) return std::nullopt;
  return parse_small_decimal(*value);
}

wire_message encode_dead_letter(const kafka::record& source,
                                std::string_view reason) {
  auto result = source.message;
  auto& hdrs = result.headers;
  hdrs.push_back({dead_letter_topic_header, source.topic});
  hdrs.push_back(
    {dead_letter_partition_header, std::to_string(source.partition)});
  hdrs.push_back({dead_letter_offset_header, std::to_string(source.offset)});
  hdrs.push_back({dead_letter_error_header, std::string{reason}});
  return result;
}

} // namespace semiasync
