#pragma once

#include "http/answer.hpp"

#include <functional>
#include <optional>
#include <string>

namespace semiasync::http {

// The answers that routing and the operational endpoints decide, on both
// ports; the answers to create-user requests and lookups are in answer.hpp.

/// A path that no route names: a 404 (`fresh_problem`).
answer not_found();

/// A 405 (`fresh_problem`) naming the `allowed` methods, in its detail and
/// its `Allow` field.
answer method_not_allowed(const char* allowed);

/// `GET /healthz`: the process is up.
answer healthy();

/// `GET /readyz`: 200 when ready; else 503 with `Retry-After` and the
/// reason, which is "draining" from the moment a drain starts (a load
/// balancer must stop sending then) and otherwise what `not_ready` says.
/// `not_ready` is asked only when not draining; it must not block.
answer readiness(bool draining,
                 const std::function<std::optional<std::string>()>& not_ready);

/// `GET /metrics`: `rendered`, the registry's Prometheus text.
answer metrics_text(std::string rendered);

} // namespace semiasync::http
