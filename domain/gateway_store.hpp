#pragma once

#include "domain/types.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace semiasync {

/// A reply a route's service sent, as stored: its event type and value (raw
/// bytes, any of them, NUL included).
struct stored_reply {
  /// The reply's event type, as the route's reply protocol read it.
  std::string event_type;
  /// The reply's value, byte for byte.
  std::string value;
};

/// One attempt to claim a request for a route.
struct gateway_claim {
  /// The route's name (1..255 bytes).
  std::string route;
  /// The client's Idempotency-Key, raw (1..255 bytes, any of them), or
  /// nothing when the request carries none.
  std::optional<std::string> idempotency_key;
  /// SHA-256 (64 lower-case hex digits) of what identifies the request's
  /// content; computed by the caller (e.g. with `sha256_hex`).
  std::string body_digest;
  /// The fresh request ID (a canonical UUID) to use if this claim wins.
  request_id request;
  /// The caller's clock: the store never reads one of its own.
  std::chrono::system_clock::time_point now;
  /// How long the entry lives from `now`.
  std::chrono::seconds retention{0};
};

/// What a claim found.
enum class claim_state {
  /// The claim won: an entry under the claim's request ID now exists and
  /// the caller publishes the request.
  claimed,
  /// A live entry for the key awaits its reply: answer 409 + Retry-After.
  in_flight,
  /// A live entry for the key holds its reply: answer it again.
  answered,
  /// A live entry for the key was made for another body: answer 422.
  body_mismatch,
};

/// The answer to a claim.
struct claim_result {
  /// What the claim found.
  claim_state state = claim_state::claimed;
  /// The entry's request ID: the claim's own when `claimed`, the first
  /// attempt's otherwise.
  request_id request;
  /// The stored reply; set exactly when `answered`.
  std::optional<stored_reply> reply;
  /// When the entry expires.
  std::chrono::system_clock::time_point expires;
};

/// One live entry, as the status URL sees it.
struct gateway_entry {
  /// The entry's request ID.
  request_id request;
  /// The route the request was made on.
  std::string route;
  /// The stored reply, or `nullopt` while the request is in flight.
  std::optional<stored_reply> reply;
  /// When the entry expires.
  std::chrono::system_clock::time_point expires;
};

/// The gateway's own memory of requests on routes whose services keep none
/// (a foreign worker that is not idempotent by request ID): it keeps the
/// IETF Idempotency-Key draft's promises across retries, instances and
/// restarts, and answers the status URL. The real one lives in db/; tests use
/// a fake. Blocking: call it from a detached actor or a thread of its own.
///
/// An entry lives from its claim until `now + retention`; an entry whose
/// expiry is at or before a call's `now` is gone for that call (not found,
/// not answered, replaced by a new claim), whether or not it was purged yet.
/// Times are kept to the millisecond, truncated toward the past.
///
/// Errors: `database_unavailable` may pass (retry, see `is_transient`);
/// `database_rejected` will not (a claim failing `check_claim`, a reply
/// failing `check_reply`, or a SHA-256 collision of two keys);
/// `request_id_conflict` when a claim's fresh request ID already names an
/// entry (a caller's bug).
class gateway_store {
public:
  virtual ~gateway_store() = default;

  /// Without a key, always `claimed`: an entry under the request ID alone,
  /// so the status URL and a late reply work. With a key: no live entry for
  /// (route, key) -> a new one, `claimed`; a live entry with another
  /// `body_digest` -> `body_mismatch`; with a reply -> `answered`; else
  /// `in_flight`. Of concurrent claims of one (route, key), on any number
  /// of instances, exactly one wins. Keys compare byte for byte.
  virtual caf::expected<claim_result> claim(const gateway_claim& x) = 0;

  /// Stores the first reply for a live request and returns true. A second
  /// reply for the same request is ignored (the first wins), and so is one
  /// for an unknown or expired request (not ours, or forgotten): false.
  virtual caf::expected<bool>
  record_reply(const request_id& request, const stored_reply& reply,
               std::chrono::system_clock::time_point now)
    = 0;

  /// Forgets the entry of `request` while it has no reply: its request
  /// certainly never reached the service (the publish failed, or the
  /// claim's asker gave up before publishing), so a retry with its key may
  /// go out instead of being answered 409 until the entry expires. True
  /// when an entry was forgotten; an answered one is kept.
  virtual caf::expected<bool> release(const request_id& request) = 0;

  /// The live entry of `request`; expired entries are not found.
  virtual caf::expected<std::optional<gateway_entry>>
  find(const request_id& request, std::chrono::system_clock::time_point now)
    = 0;

  /// Deletes up to `at_most` expired entries (oldest expiry first) and
  /// returns how many it deleted.
  virtual caf::expected<uint64_t>
  purge_expired(std::chrono::system_clock::time_point now, uint64_t at_most)
    = 0;
};

/// Refuses (`database_rejected`) a claim no store can keep: a route name or
/// key that is empty or longer than 255 bytes, a body digest that is not 64
/// lower-case hex digits, a request ID that is not 36 characters (a
/// canonical UUID), or a negative retention.
/// Every store calls it first, so all of them refuse alike.
caf::error check_claim(const gateway_claim& x);

/// The longest reply event type a store keeps, in bytes.
constexpr size_t max_reply_event_type_bytes = 1024;

/// The longest reply value a store keeps, in bytes: a Kafka record's value
/// is 1 MiB by default; 4 MiB escaped stays below MariaDB's 16 MiB packet.
constexpr size_t max_reply_value_bytes = 4 * 1024 * 1024;

/// Refuses (`database_rejected`) a reply no store can keep: an event type
/// or value longer than the limits above. `record_reply` calls it first.
caf::error check_reply(const stored_reply& x);

/// `t` as whole milliseconds since the epoch, truncated toward the past: the
/// resolution every store keeps.
int64_t stored_millis(std::chrono::system_clock::time_point t);

/// The time point of `millis` milliseconds since the epoch.
std::chrono::system_clock::time_point from_stored_millis(int64_t millis);

} // namespace semiasync
