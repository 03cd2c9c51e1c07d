#include "http/flow_hub.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

namespace semiasync::http {

using json = nlohmann::json;

/// The queue and write state of one page.
class flow_hub::subscription {
public:
  /// Frames not yet taken by the writer, oldest first. Shared: one frame
  /// text serves every page.
  std::deque<std::shared_ptr<const std::string>> frames;
  /// Frames dropped since the last `dropped` event.
  uint64_t unreported_drops = 0;
  /// Frames dropped in all.
  uint64_t drops = 0;
  /// Set while the writer owns the stream (between a wake and `idle`).
  bool writing = false;
  /// Set once the hub closed or the page left.
  bool ended = false;
  /// Starts the writer; empty once unsubscribed.
  wake_function wake;
};

namespace {

const char* stage_name(metrics::flow_stage stage) {
  switch (stage) {
    case metrics::flow_stage::received: return "received";
    case metrics::flow_stage::published: return "published";
    case metrics::flow_stage::outcome: return "outcome";
    case metrics::flow_stage::answered: return "answered";
  }
  return "unknown";
}

/// `value` as JSON, or null when unknown.
template <class T>
json or_null(const std::optional<T>& value) {
  if (!value) return nullptr;
  return *value;
}

/// Milliseconds with a tenth: the page shows no finer.
json rounded(const std::optional<double>& ms) {
  if (!ms) return nullptr;
  return static_cast<double>(static_cast<int64_t>(*ms * 10.0 + 0.5)) / 10.0;
}

} // namespace

std::string sse_frame(std::string_view name, std::string_view data) {
  std::string result;
  result.reserve(name.size() + data.size() + 16);
  result.append("event: ").append(name).append("\ndata: ").append(data);
  result.append("\n\n");
  return result;
}

std::string flow_json(const metrics::flow_event& event) {
  json doc{{"id", or_null(event.id)},
           {"route", event.route},
           {"stage", stage_name(event.stage)},
           {"at", event.at_ms}};
  switch (event.stage) {
    case metrics::flow_stage::received: break;
    case metrics::flow_stage::published:
      doc["partition"] = or_null(event.partition);
      doc["offset"] = or_null(event.offset);
      doc["ms"] = rounded(event.ms);
      break;
    case metrics::flow_stage::outcome:
      doc["type"] = or_null(event.type);
      doc["decidedAt"] = or_null(event.decided_at_ms);
      doc["partition"] = or_null(event.partition);
      doc["offset"] = or_null(event.offset);
      doc["ms"] = rounded(event.ms);
      break;
    case metrics::flow_stage::answered:
      doc["status"] = event.status;
      doc["ms"] = rounded(event.ms);
      break;
  }
  // Route names come from the configuration: never throw on odd bytes.
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

flow_hub::flow_hub(limits bounds) : limits_(bounds) {
  // nop
}

flow_hub::~flow_hub() = default;

void flow_hub::emit(const metrics::flow_event& event) {
  broadcast(sse_frame("flow", flow_json(event)));
}

void flow_hub::broadcast(const std::string& frame) {
  auto shared = std::make_shared<const std::string>(frame);
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto& sub : subscribers_)
    push(*sub, shared);
}

void flow_hub::push(subscription& sub,
                    std::shared_ptr<const std::string> frame) {
  if (sub.ended) return;
  // Newest dropped: what the page gets stays in order, with one gap that
  // the `dropped` event marks.
  if (sub.frames.size() >= limits_.queue_capacity) {
    ++sub.drops;
    ++sub.unreported_drops;
    return;
  }
  sub.frames.push_back(std::move(frame));
  if (!sub.writing && sub.wake) {
    sub.writing = true;
    sub.wake();
  }
}

std::shared_ptr<flow_hub::subscription>
flow_hub::subscribe(std::string hello, wake_function wake) {
  auto sub = std::make_shared<subscription>();
  sub->wake = std::move(wake);
  std::lock_guard<std::mutex> guard{mutex_};
  if (closed_ || subscribers_.size() >= limits_.max_subscribers) return nullptr;
  subscribers_.push_back(sub);
  listeners_.store(subscribers_.size(), std::memory_order_relaxed);
  // The caller starts writing: the hello goes out without a wake.
  sub->writing = true;
  sub->frames.push_back(std::make_shared<const std::string>(std::move(hello)));
  return sub;
}

void flow_hub::unsubscribe(const std::shared_ptr<subscription>& sub) {
  if (!sub) return;
  wake_function gone;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto i = std::find(subscribers_.begin(), subscribers_.end(), sub);
    if (i != subscribers_.end()) subscribers_.erase(i);
    listeners_.store(subscribers_.size(), std::memory_order_relaxed);
    sub->ended = true;
    sub->frames.clear();
    // The wake function may hold the writer, which may hold `sub`:
    // destroyed outside the lock.
    gone = std::move(sub->wake);
    sub->wake = nullptr;
  }
}

flow_hub::step flow_hub::take(subscription& sub, std::string& text) {
  text.clear();
  std::lock_guard<std::mutex> guard{mutex_};
  if (sub.frames.empty() && sub.unreported_drops == 0) {
    if (sub.ended) return step::end;
    sub.writing = false;
    return step::idle;
  }
  size_t size = 0;
  for (const auto& frame : sub.frames)
    size += frame->size();
  text.reserve(size + 40);
  for (const auto& frame : sub.frames)
    text += *frame;
  sub.frames.clear();
  if (sub.unreported_drops > 0) {
    text += sse_frame(
      "dropped", "{\"count\":" + std::to_string(sub.unreported_drops) + "}");
    sub.unreported_drops = 0;
  }
  return step::write;
}

void flow_hub::close() {
  std::lock_guard<std::mutex> guard{mutex_};
  closed_ = true;
  for (auto& sub : subscribers_) {
    sub->ended = true;
    if (!sub->writing && sub->wake) {
      sub->writing = true;
      sub->wake();
    }
  }
  // The streams end as their writers take `end`; no new frame is queued.
  subscribers_.clear();
  listeners_.store(0, std::memory_order_relaxed);
}

size_t flow_hub::subscribers() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return subscribers_.size();
}

size_t flow_hub::queued(const subscription& sub) const {
  std::lock_guard<std::mutex> guard{mutex_};
  return sub.frames.size();
}

uint64_t flow_hub::dropped(const subscription& sub) const {
  std::lock_guard<std::mutex> guard{mutex_};
  return sub.drops;
}

} // namespace semiasync::http
