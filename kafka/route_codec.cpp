#include "kafka/route_codec.hpp"

#include "domain/error.hpp"
#include "domain/uuid.hpp"
#include "kafka/wire_codec.hpp"

namespace semiasync {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// The 16 bytes of a canonical UUID, most significant first.
std::string uuid_bytes(const std::string& text) {
  std::string result;
  result.reserve(16);
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '-') continue;
    result
      += static_cast<char>(hex_value(text[i]) * 16 + hex_value(text[i + 1]));
    ++i;
  }
  return result;
}

/// The canonical text of 16 UUID bytes.
std::string uuid_text(std::string_view bytes) {
  std::string result;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) result += '-';
    auto b = static_cast<unsigned char>(bytes[i]);
    result += hex_digits[b >> 4];
    result += hex_digits[b & 0x0F];
  }
  return result;
}

std::string big_endian(int32_t value) {
  auto u = static_cast<uint32_t>(value);
  return {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
          static_cast<char>(u >> 8), static_cast<char>(u)};
}

caf::error malformed(std::string why) {
  return make_error(error_code::malformed_record, std::move(why));
}

/// The request ID of a Spring correlation: 16 raw bytes or the UUID's text.
std::optional<request_id> correlated_request(std::string_view correlation) {
  if (correlation.size() == 16) return request_id{uuid_text(correlation)};
  if (is_canonical_uuid(correlation))
    return request_id{std::string{correlation}};
  return std::nullopt;
}

} // namespace

wire_message encode_route_request(config::reply_protocol protocol,
                                  const request_id& id, std::string key,
                                  std::string value,
                                  const std::string& reply_topic,
                                  std::optional<int32_t> reply_partition) {
  wire_message result{std::move(key), std::move(value), {}};
  auto& headers = result.headers;
  if (protocol == config::reply_protocol::spring) {
    headers.push_back({spring_correlation_header, uuid_bytes(id.value)});
    headers.push_back({spring_reply_topic_header, reply_topic});
    if (reply_partition)
      headers.push_back(
        {spring_reply_partition_header, big_endian(*reply_partition)});
    return result;
  }
  headers.push_back({request_uuid_header, id.value});
  if (reply_partition)
    headers.push_back(
      {reply_partition_header, std::to_string(*reply_partition)});
  return result;
}

caf::expected<route_reply> decode_route_reply(config::reply_protocol protocol,
                                              const wire_message& msg,
                                              std::string_view type_header) {
  std::optional<request_id> request;
  if (protocol == config::reply_protocol::spring) {
    auto correlation = msg.header_value(spring_correlation_header);
    if (!correlation)
      return malformed("header 'kafka_correlationId' is missing");
    request = correlated_request(*correlation);
    if (!request)
      return malformed("header 'kafka_correlationId' is no request ID");
  } else {
    auto id = msg.header_value(request_uuid_header);
    if (!id) return malformed("header 'requestUUID' is missing");
    if (!is_canonical_uuid(*id))
      return malformed("header 'requestUUID' is not a lower-case UUID");
    request = request_id{std::string{*id}};
    type_header = event_type_header;
  }
  auto type = msg.header_value(type_header);
  return route_reply{std::move(*request),
                     type ? std::string{*type} : std::string{}, msg.value};
}

} // namespace semiasync
