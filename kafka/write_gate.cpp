#include "kafka/write_gate.hpp"

#include <algorithm>

namespace semiasync::kafka {

write_gate::write_gate(std::chrono::milliseconds max_age,
                       std::function<clock_type::time_point()> now)
  : max_age_(max_age), now_(std::move(now)) {
  // nop
}

bool write_gate::fresh(const finding& found) const {
  return now_() - found.at <= max_age_;
}

std::optional<std::string> write_gate::refusal(const std::string& topic) const {
  if (closed_.load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard<std::mutex> guard{mutex_};
  auto found = findings_.find(topic);
  if (found == findings_.end() || !fresh(found->second)) return std::nullopt;
  return found->second.reason;
}

std::optional<std::string> write_gate::refusal_everywhere() const {
  if (closed_.load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard<std::mutex> guard{mutex_};
  std::optional<std::string> first;
  for (const auto& [topic, found] : findings_) {
    if (!found.reason || !fresh(found)) return std::nullopt;
    if (!first) first = found.reason;
  }
  return first;
}

void write_gate::set(const std::string& topic,
                     std::optional<std::string> reason) {
  std::lock_guard<std::mutex> guard{mutex_};
  findings_[topic] = finding{std::move(reason), now_()};
  auto closed
    = std::count_if(findings_.begin(), findings_.end(), [](const auto& entry) {
        return entry.second.reason.has_value();
      });
  closed_.store(static_cast<size_t>(closed), std::memory_order_release);
}

} // namespace semiasync::kafka
