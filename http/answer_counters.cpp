#include "http/answer_counters.hpp"

#include <string>

namespace semiasync::http {

answer_counters::answer_counters(metrics::registry& metrics)
  : metrics_(metrics) {
  // nop
}

void answer_counters::count(std::string_view route, int status) {
  size_t row = 0;
  while (row < route_labels.size() && route_labels[row] != route)
    ++row;
  auto column = status - lowest_status;
  if (row == route_labels.size() || column < 0 || column >= status_slots) {
    look_up(route, status).inc();
    return;
  }
  auto& slot = cache_[row][static_cast<size_t>(column)];
  auto* found = slot.load(std::memory_order_acquire);
  if (found == nullptr) {
    found = &look_up(route, status);
    slot.store(found, std::memory_order_release);
  }
  found->inc();
}

metrics::counter& answer_counters::look_up(std::string_view route,
                                           int status) {
  return metrics_.get_counter("semiasync_http_requests_total",
                              "HTTP requests answered, by route and status",
                              {{"route", std::string{route}},
                               {"status", std::to_string(status)}});
}

} // namespace semiasync::http
