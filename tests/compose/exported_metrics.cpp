#include "tests/compose/exported_metrics.hpp"

#include "actors/request_metrics.hpp"
#include "actors/worker_metrics.hpp"
#include "app/process_metrics.hpp"
#include "http/answer_counters.hpp"
#include "metrics/registry.hpp"

namespace semiasync::exported_metrics {

std::string server() {
  metrics::registry reg;
  mark_up(reg);
  request_metrics::bind(reg);
  // The family appears with its first answer; every answer has both labels.
  http::answer_counters answers{reg};
  answers.count(http::routes::users, 201);
  return reg.render();
}

std::string worker() {
  metrics::registry reg;
  mark_up(reg);
  worker_metrics::register_in(reg);
  add_consumer_lag(reg, {});
  return reg.render();
}

} // namespace semiasync::exported_metrics
