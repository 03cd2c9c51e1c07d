#include "actors/request_metrics.hpp"

namespace semiasync {

namespace {

constexpr const char* latency_name = "semiasync_request_duration_seconds";
constexpr const char* latency_help
  = "Create-user request latency by phase: publish_ack (spawn to broker "
    "acknowledgement), outcome_wait (acknowledgement to outcome), total";

metrics::histogram& phase(metrics::registry& reg, const char* name) {
  return reg.get_histogram(latency_name, latency_help,
                           metrics::latency_buckets(), {{"phase", name}});
}

} // namespace

request_metrics request_metrics::bind(metrics::registry& reg) {
  return {
    reg.get_gauge("semiasync_requests_in_flight",
                  "Requests waiting in the registry for their outcome"),
    reg.get_counter("semiasync_outcomes_routed_total",
                    "Outcomes handed to a waiting request"),
    reg.get_counter("semiasync_outcomes_dropped_total",
                    "Outcomes nobody waited for here (another instance's, "
                    "or late)"),
    reg.get_counter("semiasync_outcomes_read_total",
                    "Outcome records read from the outcome topic, ours or "
                    "not"),
    reg.get_counter("semiasync_reply_deadline_expiries_total",
                    "Requests whose deadline passed before their outcome"),
    reg.get_counter("semiasync_publish_errors_total",
                    "Requests that could not be published, or maybe were"),
    phase(reg, "publish_ack"),
    phase(reg, "outcome_wait"),
    phase(reg, "total"),
  };
}

} // namespace semiasync
