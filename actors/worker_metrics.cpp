#include "actors/worker_metrics.hpp"

namespace semiasync {

namespace {

constexpr const char* records_name = "semiasync_worker_records_total";
constexpr const char* records_help
  = "Request records finished (every publish acknowledged), by outcome";
constexpr const char* retries_name = "semiasync_worker_retries_total";
constexpr const char* retries_help
  = "Records retried after a transient failure, by cause";

} // namespace

worker_metrics worker_metrics::register_in(metrics::registry& reg) {
  auto records = [&reg](const char* outcome) -> metrics::counter& {
    return reg.get_counter(records_name, records_help, {{"outcome", outcome}});
  };
  auto retries = [&reg](const char* cause) -> metrics::counter& {
    return reg.get_counter(retries_name, retries_help, {{"cause", cause}});
  };
  auto steering = [&reg](const char* result) -> metrics::counter& {
    return reg.get_counter(
      "semiasync_worker_reply_partitions_total",
      "Finished records that asked for a reply partition, by whether their "
      "outcome went there (steered) or by key (fallback: no such partition)",
      {{"result", result}});
  };
  return worker_metrics{
    records("created"),
    records("duplicated"),
    records("rejected"),
    records("dead_lettered"),
    retries("database"),
    retries("publish"),
    reg.get_counter("semiasync_worker_dead_letters_total",
                    "Records written to the dead-letter topic (acknowledged)"),
    reg.get_histogram("semiasync_worker_batch_size",
                      "Records taken per non-empty poll of the request topic",
                      {1, 2, 5, 10, 20, 50, 100, 200, 500}),
    steering("steered"),
    steering("fallback"),
  };
}

void add_consumer_lag(metrics::registry& reg,
                      std::weak_ptr<const kafka::record_source> source) {
  reg.add_gauge_callback(
    "semiasync_worker_consumer_lag",
    "Request records on the assigned partitions not yet read by this worker",
    [source = std::move(source)] {
      auto alive = source.lock();
      return alive ? static_cast<double>(alive->lag()) : 0.0;
    });
}

} // namespace semiasync
