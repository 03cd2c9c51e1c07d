#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace semiasync::http {

/// What a client asked for with `Prefer` (RFC 7240).
struct preferences {
  /// `respond-async`: rather a 202 + Location than a wait or a 504.
  bool respond_async = false;
  /// `wait=<seconds>`: how long the client is willing to wait.
  std::optional<std::chrono::seconds> wait;
};

/// Parses the `Prefer` header's value (preferences separated by ','; names
/// case-insensitive; parameters after ';' ignored). Preferences it does not
/// know or cannot read are ignored, as RFC 7240 asks.
preferences parse_prefer(std::optional<std::string_view> header);

/// Parses every `Prefer` field of a request as one list: RFC 7240 allows
/// the preferences to arrive in several fields, and a later field's
/// `respond-async` counts as much as the first's.
preferences parse_prefer_fields(const std::vector<std::string_view>& fields);

/// The `Preference-Applied` value for an answer (empty: send none):
/// `respond-async` when the answer is the 202 it asked for, and `wait=` with
/// the wait actually applied (the client's, capped at the server's maximum),
/// in whole seconds, rounded up.
std::string preference_applied(const preferences& prefs, bool answered_async,
                               std::chrono::milliseconds applied_wait);

/// The deadline of one request: the client's `wait`, capped at `max_wait`;
/// without one, zero for `respond-async` (answer 202 as soon as the request
/// is published) and `reply_timeout` otherwise.
std::chrono::milliseconds
request_deadline(const preferences& prefs,
                 std::chrono::milliseconds reply_timeout,
                 std::chrono::milliseconds max_wait);

/// What is left of `deadline` after `elapsed`, never below zero: a request
/// that waited for something before it was published (a configured route's
/// claim) waits that much less for its outcome.
std::chrono::milliseconds remaining_deadline(std::chrono::milliseconds deadline,
                                             std::chrono::nanoseconds elapsed);

} // namespace semiasync::http
