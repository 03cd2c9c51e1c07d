#include "app/ui_feed.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace semiasync {

namespace {

using json = nlohmann::json;

constexpr auto stats_period = std::chrono::seconds{1};

/// Every so many stats, a keepalive comment too (15 s).
constexpr int keepalive_every = 15;

/// Every so many stats, the backlog figures are asked again (5 s): each
/// query costs the broker a metadata, offsets and committed-offsets round.
constexpr int backlog_every = 5;

/// The page's name for an answer's route label, or nothing for labels that
/// are no API route (`/healthz`, `/ui`, ...).
std::optional<std::string> api_route(const std::string& label,
                                     const std::vector<std::string>& routes) {
  if (label == "/" || label == "/users") return std::string{"create-user"};
  if (std::find(routes.begin(), routes.end(), label) != routes.end())
    return label;
  return std::nullopt;
}

std::string label_of(const metrics::labels& l, const std::string& name) {
  for (const auto& [key, value] : l)
    if (key == name) return value;
  return {};
}

json or_null(const std::optional<int64_t>& value) {
  if (!value) return nullptr;
  return *value;
}

} // namespace

std::string stats_json(const ui_feed_sources& sources,
                       std::optional<int64_t> worker_lag,
                       std::optional<int64_t> dead_letters) {
  std::map<std::string, std::map<std::string, uint64_t>> answers;
  for (const auto& [l, value] :
       sources.metrics->counter_values("semiasync_http_requests_total")) {
    auto route = api_route(label_of(l, "route"), sources.route_names);
    if (route) answers[*route][label_of(l, "status")] += value;
  }
  auto& req = *sources.requests;
  json le = json::array();
  for (auto bound : req.total.bounds())
    le.push_back(bound);
  le.push_back("+Inf");
  json counts = json::array();
  uint64_t running = 0;
  for (auto n : req.total.bucket_counts())
    counts.push_back(running += n);
  json doc{{"answers", answers},
           {"waiting", std::max<int64_t>(0, req.in_flight.value())},
           {"deadlineExpiries", req.deadline_expiries.value()},
           {"outcomesDropped", req.outcomes_dropped.value()},
           {"deadLetters", or_null(dead_letters)},
           {"workerLag", or_null(worker_lag)},
           {"latency", {{"le", std::move(le)}, {"counts", std::move(counts)}}}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

ui_feed::ui_feed(http::flow_hub& hub, ui_feed_sources sources)
  : hub_(hub), sources_(std::move(sources)) {
  thread_ = std::thread{[this] {
    run();
  }};
}

ui_feed::~ui_feed() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ui_feed::run() {
  std::optional<int64_t> lag;
  std::optional<int64_t> dead;
  int tick = 0;
  // Counted only while a page is open, so a new page gets fresh backlog
  // figures within its first second.
  int since_backlog = backlog_every;
  std::unique_lock<std::mutex> guard{mutex_};
  while (!wake_.wait_for(guard, stats_period, [this] {
    return stopping_;
  })) {
    if (!hub_.listening()) {
      since_backlog = backlog_every;
      continue;
    }
    guard.unlock();
    if (since_backlog++ >= backlog_every) {
      since_backlog = 1;
      lag = sources_.worker_lag ? sources_.worker_lag() : std::nullopt;
      dead = sources_.dead_letters ? sources_.dead_letters() : std::nullopt;
    }
    hub_.broadcast(http::sse_frame("stats", stats_json(sources_, lag, dead)));
    if (++tick % keepalive_every == 0) hub_.broadcast(": keepalive\n\n");
    guard.lock();
  }
}

} // namespace semiasync
