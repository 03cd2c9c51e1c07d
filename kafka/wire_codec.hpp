#pragma once

#include "domain/events.hpp"
#include "kafka/wire_message.hpp"

#include <caf/expected.hpp>

#include <optional>

namespace semiasync {

/// Header naming the request a record belongs to.
constexpr const char* request_uuid_header = "requestUUID";

/// Header naming an outcome's event type.
constexpr const char* event_type_header = "eventType";

/// Encodes a request for topic `create_user_request_sent`: value
/// `{"requestUUID","name"}`, header `requestUUID`, key = the name.
wire_message encode_request(const create_user_requested& request);

/// Decodes a request record, or fails with `malformed_record` saying why
/// (not JSON, a field missing or mistyped, header missing or disagreeing).
caf::expected<create_user_requested> decode_request(const wire_message& msg);

/// The request ID a record names, when it names one unambiguously: the
/// canonical `requestUUID` of the header or of a JSON value (equal when
/// both are present). Lets the worker answer a malformed request's client.
std::optional<request_id> salvage_request_id(const wire_message& msg);

/// Encodes an outcome for topic `user`: `UserCreated`, `UserDuplicated` or
/// (additive) `UserRejected` `{"requestUUID","name","error","detail"}`, with
/// headers `eventType` and `requestUUID`.
wire_message encode_outcome(const outcome& result);

/// Decodes an outcome record, or fails with `malformed_record` saying why.
caf::expected<outcome> decode_outcome(const wire_message& msg);

} // namespace semiasync
