#pragma once

// PLACEHOLDER of the interface helper i16-store builds (same declarations);
// replaced by that branch's file on merge.

#include "domain/types.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace semiasync {

/// A reply a route's service sent, as stored.
struct stored_reply {
  std::string event_type;
  std::string value;
};

/// One attempt to claim a request for a route.
struct gateway_claim {
  std::string route;
  std::optional<std::string> idempotency_key;
  std::string body_digest;
  request_id request;
  std::chrono::system_clock::time_point now;
  std::chrono::seconds retention;
};

/// What a claim found.
enum class claim_state { claimed, in_flight, answered, body_mismatch };

/// The result of a claim.
struct claim_result {
  claim_state state;
  request_id request;
  std::optional<stored_reply> reply;
  std::chrono::system_clock::time_point expires;
};

/// One stored request.
struct gateway_entry {
  request_id request;
  std::string route;
  std::optional<stored_reply> reply;
  std::chrono::system_clock::time_point expires;
};

/// The gateway's own idempotency store.
class gateway_store {
public:
  virtual ~gateway_store() = default;
  virtual caf::expected<claim_result> claim(const gateway_claim&) = 0;
  virtual caf::expected<bool>
  record_reply(const request_id&, const stored_reply&,
               std::chrono::system_clock::time_point now)
    = 0;
  virtual caf::expected<bool> release(const request_id&) = 0;
  virtual caf::expected<std::optional<gateway_entry>>
  find(const request_id&, std::chrono::system_clock::time_point now) = 0;
  virtual caf::expected<uint64_t>
  purge_expired(std::chrono::system_clock::time_point now, uint64_t at_most)
    = 0;
};

} // namespace semiasync
