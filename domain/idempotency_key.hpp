#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace semiasync {

/// What an Idempotency-Key must be, in the words of a 400's detail.
inline constexpr const char* idempotency_key_rule
  = "Idempotency-Key must be 1 to 255 printable ASCII characters without "
    "spaces";

/// Whether `key` follows `idempotency_key_rule`.
bool is_valid_idempotency_key(std::string_view key);

/// The request ID an `Idempotency-Key` stands for: a pure function of
/// `secret`, `scope` and `key`, so every server instance configured with
/// the same secret maps one client's key to one request.
///
/// - `scope` is the client's identity (the `idempotencyScopeHeader` value),
///   or nothing when keys are not scoped. It is hashed in ahead of the key,
///   prefixed by its length, so ("ab", "c") and ("a", "bc") never meet.
/// - Without a secret, the ID is the version 5 UUID of the key (of the
///   scoped key when scoped) in semiasync's public namespace: unscoped, it
///   is exactly `name_based_uuid(key)`, the ID clients got before there was
///   a secret. Anyone who knows or guesses the key and scope can compute it.
/// - With a secret, the ID is HMAC-SHA-256(secret, scoped key) cut to 128
///   bits as an RFC 9562 version 8 UUID: nobody without the secret can
///   compute it from a guessed key.
///
/// Nothing only when the hash could not be computed (OpenSSL failed, or a
/// secret beyond 2 GiB).
std::optional<std::string>
request_id_of_key(std::string_view secret,
                  std::optional<std::string_view> scope, std::string_view key);

} // namespace semiasync
