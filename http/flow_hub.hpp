#pragma once

#include "metrics/flow_sink.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace semiasync::http {

/// `event: <name>\ndata: <data>\n\n`, one Server-Sent Event; `data` must be
/// one line.
std::string sse_frame(std::string_view name, std::string_view data);

/// The `data` of a `flow` event (docs/design/ui-events.md): one line of JSON.
std::string flow_json(const metrics::flow_event& event);

/// Fans flow events (and the stats the server adds) out to the pages that
/// follow `GET /ui/events`, each through a queue of its own.
///
/// Bounded everywhere: at most `max_subscribers` pages; each has a queue of
/// at most `queue_capacity` frames, beyond which new frames are dropped and
/// counted (the page hears `event: dropped` with the count once its writer
/// catches up); and at most one write per page is in flight, since a page's
/// writer takes the next batch only once the previous one was written. A
/// page that never reads thus costs one full queue and one stalled write,
/// which the server's write timeout ends.
///
/// Thread-safe. With no page open, `emit` is never reached (callers check
/// `listening()`, one relaxed load).
class flow_hub final : public metrics::flow_sink {
public:
  /// The hub's bounds.
  struct limits {
    /// Pages open at once; beyond it `subscribe` refuses.
    size_t max_subscribers = 8;
    /// Frames waiting per page.
    size_t queue_capacity = 256;
  };

  /// Asks a page's writer to start writing: it calls `take` until that
  /// says `idle` or `end`. Runs on whichever thread queued the frame, under
  /// the hub's lock, so it must only hand the work over (post to an I/O
  /// context), never call back into the hub.
  using wake_function = std::function<void()>;

  /// One page's place in the hub.
  class subscription;

  /// What a page's writer does next.
  enum class step {
    /// Write `text`, then `take` again once it was written.
    write,
    /// Nothing waits: stop; the next frame wakes the writer again.
    idle,
    /// The hub closed: end the response.
    end,
  };

  explicit flow_hub(limits bounds);

  ~flow_hub() override;

  flow_hub(const flow_hub&) = delete;
  flow_hub& operator=(const flow_hub&) = delete;

  /// Queues `event` as a `flow` frame for every page.
  void emit(const metrics::flow_event& event) override;

  /// Queues `frame` (whole SSE text) for every page.
  void broadcast(const std::string& frame);

  /// A new page whose stream starts with `hello`. Its writer owns the
  /// stream from the start: it calls `take` (which gives it `hello` first)
  /// until `idle`, and `wake` runs whenever a frame arrives for an idle
  /// writer. Null when `max_subscribers` pages are open or the hub is
  /// closed.
  std::shared_ptr<subscription> subscribe(std::string hello,
                                          wake_function wake);

  /// Forgets `sub` (its connection ended): its queue is freed and its slot
  /// taken by the next page. Idempotent.
  void unsubscribe(const std::shared_ptr<subscription>& sub);

  /// The writer's next step for `sub`; on `write`, `text` holds every frame
  /// queued (and a `dropped` event after them when frames were dropped).
  step take(subscription& sub, std::string& text);

  /// Ends every page's stream (each writer gets `end` once its queue is
  /// written) and refuses new pages: the server is stopping.
  void close();

  /// Pages open now.
  size_t subscribers() const;

  /// The bounds the hub was made with.
  const limits& bounds() const noexcept {
    return limits_;
  }

  /// Frames waiting for `sub` (tests).
  size_t queued(const subscription& sub) const;

  /// Frames dropped for `sub` so far (tests).
  uint64_t dropped(const subscription& sub) const;

private:
  /// Queues `frame` for `sub`, or drops it; wakes an idle writer. Under
  /// `mutex_`.
  void push(subscription& sub, std::shared_ptr<const std::string> frame);

  const limits limits_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<subscription>> subscribers_;
  bool closed_ = false;
};

} // namespace semiasync::http
