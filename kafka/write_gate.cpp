#include "kafka/write_gate.hpp"

namespace semiasync::kafka {

std::optional<std::string> write_gate::refusal(const std::string& topic) const {
  if (closed_.load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard<std::mutex> guard{mutex_};
  auto found = reasons_.find(topic);
  if (found == reasons_.end()) return std::nullopt;
  return found->second;
}

std::optional<std::string> write_gate::any_refusal() const {
  if (closed_.load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard<std::mutex> guard{mutex_};
  if (reasons_.empty()) return std::nullopt;
  return reasons_.begin()->second;
}

void write_gate::set(const std::string& topic,
                     std::optional<std::string> reason) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (reason)
    reasons_[topic] = std::move(*reason);
  else
    reasons_.erase(topic);
  closed_.store(reasons_.size(), std::memory_order_release);
}

} // namespace semiasync::kafka
