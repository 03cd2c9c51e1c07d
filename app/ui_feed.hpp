#pragma once

#include "actors/request_metrics.hpp"
#include "http/flow_hub.hpp"
#include "metrics/registry.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace semiasync {

/// What the live page's `stats` event reads.
struct ui_feed_sources {
  /// The process's metrics (answers by route and status). Outlives the feed.
  metrics::registry* metrics = nullptr;
  /// The server's request metrics. Outlives the feed.
  request_metrics* requests = nullptr;
  /// The configured routes' names, which the answers are counted under.
  std::vector<std::string> route_names;
  /// Messages the worker group is behind on the request topic; nothing when
  /// unknown. May block (it asks the broker): it runs on the feed's thread.
  std::function<std::optional<int64_t>()> worker_lag{};
  /// Messages in the dead-letter topic; as `worker_lag`.
  std::function<std::optional<int64_t>()> dead_letters{};
};

/// The `data` of a `stats` event from the metrics as they are now, and the
/// last known lag and dead-letter counts.
std::string stats_json(const ui_feed_sources& sources,
                       std::optional<int64_t> worker_lag,
                       std::optional<int64_t> dead_letters);

/// Feeds the live page: a `stats` event every second while a page is open,
/// a keepalive comment every 15 s, and the broker's backlog figures
/// refreshed every 5 s, all on a thread of its own (the backlog queries
/// block on the broker; neither an I/O thread nor an actor waits for them).
/// Idle while no page is open: it looks at `listening()` once a second.
class ui_feed {
public:
  /// Starts feeding `hub`, which outlives the feed.
  ui_feed(http::flow_hub& hub, ui_feed_sources sources);

  /// Stops the thread.
  ~ui_feed();

  ui_feed(const ui_feed&) = delete;
  ui_feed& operator=(const ui_feed&) = delete;

private:
  void run();

  http::flow_hub& hub_;
  ui_feed_sources sources_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace semiasync
