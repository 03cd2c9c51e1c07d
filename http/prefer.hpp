#pragma once

#include <chrono>
#include <optional>
#include <string_view>

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

/// The deadline of one request: the client's `wait`, capped at `max_wait`;
/// without one, zero for `respond-async` (answer 202 as soon as the request
/// is published) and `reply_timeout` otherwise.
std::chrono::milliseconds
request_deadline(const preferences& prefs,
                 std::chrono::milliseconds reply_timeout,
                 std::chrono::milliseconds max_wait);

} // namespace semiasync::http
