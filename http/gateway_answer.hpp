#pragma once

// The answers of configured routes that are not a reply's own: what the
// gateway's idempotency store says of a retried key, a request that got no
// reply, and the status URL of a route's request. With http/outcome_answer
// (a reply to HTTP) it is the whole mapping of routes to HTTP.

#include "config/route_spec.hpp"
#include "domain/gateway_store.hpp"
#include "http/answer.hpp"
#include "http/prefer.hpp"
#include "kafka/route_codec.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace semiasync::http {

/// The answer to a route's request whose key was claimed before, or
/// nothing when this request claimed it and goes on. `answered`: the
/// stored reply's answer, as the first attempt got it, marked
/// `Idempotent-Replayed: true`; `in_flight`: 409 + Retry-After (the first
/// attempt has no answer yet); `body_mismatch`: 422 (the key was used with
/// another request). Each names the first attempt's request ID.
std::optional<answer>
answer_claim(const claim_result& claim, const config::route_spec& route,
             const std::vector<config::path_template::binding>& path);

/// The answer to a route's request once it ended: its reply through the
/// route's rules, or its error as for create-user (503, 504; a 202 +
/// status URL for a client that prefers `respond-async`), with
/// `Preference-Applied` as for create-user.
answer answer_route(const caf::expected<route_reply>& result,
                    const config::route_spec& route,
                    const std::vector<config::path_template::binding>& path,
                    const request_id& id, const preferences& prefs,
                    std::chrono::milliseconds deadline);

/// `GET /requests/<id>` of a route's request, from the gateway's store:
/// 200 with `status` "done", the route's name, the reply's event type and
/// the status and body its POST was (or would have been) answered with;
/// 202 + Retry-After while it waits for its reply. `route` is nothing when
/// the entry's route is no longer configured: the reply is then shown as
/// stored.
answer answer_route_status(const gateway_entry& entry,
                           const config::route_spec* route);

} // namespace semiasync::http
