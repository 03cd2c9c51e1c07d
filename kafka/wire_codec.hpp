#pragma once

// Every record semiasync reads or writes, in one place: requests, outcomes,
// dead letters and the reply-partition header. What the records are for
// (routing policy, retries) is decided by the actors; how they look on the
// wire is decided here, and only here.

#include "domain/events.hpp"
#include "kafka/record.hpp"
#include "kafka/wire_message.hpp"

#include <caf/expected.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace semiasync {

/// Header naming the request a record belongs to.
constexpr const char* request_uuid_header = "requestUUID";

/// Header naming an outcome's event type.
constexpr const char* event_type_header = "eventType";

/// Request header naming the outcome-topic partition the requester reads
/// (decimal, e.g. `7`). Additive: a request without it (the reference
/// server) gets its outcome partitioned by key.
constexpr const char* reply_partition_header = "replyPartition";

/// Headers a dead letter carries besides the original record's: where the
/// record came from and why it could not be processed.
constexpr const char* dead_letter_topic_header = "dlqSourceTopic";
/// See `dead_letter_topic_header`.
constexpr const char* dead_letter_partition_header = "dlqSourcePartition";
/// See `dead_letter_topic_header`.
constexpr const char* dead_letter_offset_header = "dlqSourceOffset";
/// See `dead_letter_topic_header`.
constexpr const char* dead_letter_error_header = "dlqError";

/// Encodes a request for topic `create_user_request_sent`: value
/// `{"requestUUID","name"}`, header `requestUUID`, key = the name; with
/// `reply_partition`, also the `replyPartition` header.
wire_message encode_request(const create_user_requested& request,
                            std::optional<int32_t> reply_partition = {});

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

/// The `eventType` header of `result`'s record: `UserCreated`,
/// `UserDuplicated` or `UserRejected`.
std::string_view outcome_event_type(const outcome& result);

/// The partition a request asks its outcome to be published to, when its
/// `replyPartition` header is plain decimal (digits only, at most 9 of
/// them). Whether the topic has that partition is for the caller to check.
std::optional<int32_t> requested_reply_partition(const wire_message& request);

/// The record `source` as it goes to a dead-letter topic: key, value and
/// headers unchanged, plus the `dlq*` headers naming its position and
/// `reason`.
wire_message encode_dead_letter(const kafka::record& source,
                                std::string_view reason);

} // namespace semiasync
