#include "domain/gateway_store.hpp"

#include "domain/error.hpp"

namespace semiasync {

namespace {

/// The longest route name and key: what the table's columns hold.
constexpr size_t max_bytes = 255;

bool is_lower_hex_digest(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

} // namespace

caf::error check_claim(const gateway_claim& x) {
  if (x.route.empty() || x.route.size() > max_bytes)
    return make_error(error_code::database_rejected,
                      "claim: route name must be 1..255 bytes");
  if (x.idempotency_key
      && (x.idempotency_key->empty() || x.idempotency_key->size() > max_bytes))
    return make_error(error_code::database_rejected,
                      "claim: idempotency key must be 1..255 bytes");
  if (!is_lower_hex_digest(x.body_digest))
    return make_error(error_code::database_rejected,
                      "claim: body digest must be 64 lower-case hex digits");
  if (x.request.value.size() != 36)
    return make_error(error_code::database_rejected,
                      "claim: request ID must be a canonical UUID");
  if (x.retention.count() < 0)
    return make_error(error_code::database_rejected,
                      "claim: negative retention");
  return {};
}

caf::error check_reply(const stored_reply& x) {
  if (x.event_type.size() > max_reply_event_type_bytes)
    return make_error(error_code::database_rejected,
                      "record_reply: event type longer than 1024 bytes");
  if (x.value.size() > max_reply_value_bytes)
    return make_error(error_code::database_rejected,
                      "record_reply: value longer than 4 MiB");
  return {};
}

int64_t stored_millis(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::milliseconds>(t)
    .time_since_epoch()
    .count();
}

std::chrono::system_clock::time_point from_stored_millis(int64_t millis) {
  return std::chrono::system_clock::time_point{
    std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::milliseconds{millis})};
}

} // namespace semiasync
