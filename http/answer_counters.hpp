#pragma once

#include "metrics/counter.hpp"
#include "metrics/registry.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <string_view>

namespace semiasync::http {

/// The route labels of `semiasync_http_requests_total`: bounded, so the
/// metric cannot grow with the traffic.
namespace routes {
/// `GET /`.
inline constexpr std::string_view root = "/";
/// `POST /users`.
inline constexpr std::string_view users = "/users";
/// `GET /healthz`.
inline constexpr std::string_view healthz = "/healthz";
/// `GET /readyz`.
inline constexpr std::string_view readyz = "/readyz";
/// `GET /metrics`.
inline constexpr std::string_view metrics = "/metrics";
/// `GET /users/<uuid>`.
inline constexpr std::string_view user = "/users/{uuid}";
/// `GET /requests/<id>`.
inline constexpr std::string_view request = "/requests/{id}";
/// `GET /ui`: the live page.
inline constexpr std::string_view ui = "/ui";
/// `GET /ui/events`: the live page's event stream.
inline constexpr std::string_view ui_events = "/ui/events";
/// Any other path.
inline constexpr std::string_view other = "other";
} // namespace routes

/// Every route label, so each has its own row of cached counters.
inline constexpr std::array<std::string_view, 10> route_labels{
  routes::root,      routes::users, routes::healthz, routes::readyz,
  routes::metrics,   routes::user,  routes::request, routes::ui,
  routes::ui_events, routes::other};

/// `semiasync_http_requests_total`, by route and status. Each series is
/// looked up in the registry (which takes its lock and builds label strings)
/// the first time it is counted and kept after that, so counting an answer
/// is lock-free once every route and status seen has been seen once.
class answer_counters {
public:
  /// Counts into `metrics`, which must outlive this object.
  explicit answer_counters(metrics::registry& metrics);

  answer_counters(const answer_counters&) = delete;
  answer_counters& operator=(const answer_counters&) = delete;

  /// Counts one answer. Thread-safe. A route outside `route_labels` or a
  /// status outside 100-599 is still counted, through the registry.
  void count(std::string_view route, int status);

private:
  static constexpr int lowest_status = 100;
  static constexpr int status_slots = 500;

  metrics::counter& look_up(std::string_view route, int status);

  metrics::registry& metrics_;
  /// Null until the series of (route, status) was first counted. Racing
  /// first counts store the same reference: the registry gets-or-creates.
  std::array<std::array<std::atomic<metrics::counter*>, status_slots>,
             route_labels.size()>
    cache_{};
};

} // namespace semiasync::http
