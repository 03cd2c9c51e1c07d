#pragma once

#include "metrics/registry.hpp"

namespace semiasync {

/// What the server's actors record about requests, bound once to the
/// process's metrics registry so recording never looks anything up.
struct request_metrics {
  /// Requests waiting in the registry for their outcome right now.
  metrics::gauge& in_flight;
  /// Outcomes handed to a waiting request.
  metrics::counter& outcomes_routed;
  /// Outcomes nobody here waited for (another instance's, or late).
  metrics::counter& outcomes_dropped;
  /// Outcome records read by the outcome consumer, whether anybody here
  /// waits for them or not: read / routed is the fan-in (1 when every
  /// outcome read was one of ours).
  metrics::counter& outcomes_read;
  /// Requests whose reply deadline passed before their outcome arrived.
  metrics::counter& deadline_expiries;
  /// Requests that could not be published (503) or maybe were (504).
  metrics::counter& publish_errors;
  /// From spawn to the broker's acknowledgement of the request, in seconds.
  metrics::histogram& publish_ack;
  /// From the acknowledgement to the outcome, in seconds.
  metrics::histogram& outcome_wait;
  /// From spawn to the answer, whatever it was, in seconds.
  metrics::histogram& total;

  /// Creates (or finds) the series in `reg`.
  static request_metrics bind(metrics::registry& reg);
};

} // namespace semiasync
