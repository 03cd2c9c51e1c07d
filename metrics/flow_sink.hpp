#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semiasync::metrics {

/// The stages of one request the live page shows (docs/design/ui-events.md).
enum class flow_stage : uint8_t {
  /// The request actor started.
  received,
  /// The broker acknowledged the request record.
  published,
  /// The outcome (or a route's reply) reached the request actor.
  outcome,
  /// The HTTP answer was handed to the connection.
  answered,
};

/// One stage of one request. Unknown numbers stay empty (`null` on the page).
struct flow_event {
  /// Which stage.
  flow_stage stage = flow_stage::received;
  /// The request ID; empty for an answer without one.
  std::optional<std::string> id;
  /// `create-user` or a configured route's name.
  std::string route;
  /// When the stage happened, unix epoch milliseconds.
  int64_t at_ms = 0;
  /// `published`, `outcome`: the record's partition.
  std::optional<int32_t> partition;
  /// `published`, `outcome`: the record's offset.
  std::optional<int64_t> offset;
  /// The stage's duration in milliseconds (see the schema for each stage).
  std::optional<double> ms;
  /// `outcome`: the event type.
  std::optional<std::string> type;
  /// `outcome`: the outcome record's Kafka timestamp, unix epoch ms.
  std::optional<int64_t> decided_at_ms;
  /// `answered`: the HTTP status.
  int status = 0;
};

/// Where request actors and the HTTP edge report flow events. Reporting
/// costs one relaxed atomic load while nobody listens (`listening`): check
/// it before building an event, so the hot path neither allocates nor
/// locks when no page is open.
class flow_sink {
public:
  virtual ~flow_sink() = default;

  /// Whether anybody listens now. May be stale by an event or two, which
  /// the page does not mind.
  bool listening() const noexcept {
    return listeners_.load(std::memory_order_relaxed) > 0;
  }

  /// Takes `event` without ever blocking on a listener; called from actor
  /// and I/O threads at once.
  virtual void emit(const flow_event& event) = 0;

protected:
  /// Implementations keep this at their number of listeners.
  std::atomic<size_t> listeners_{0};
};

/// Now as unix epoch milliseconds, for `flow_event::at_ms`.
inline int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Milliseconds between two instants, for `flow_event::ms`.
inline double millis_between(std::chrono::steady_clock::time_point from,
                             std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

} // namespace semiasync::metrics
