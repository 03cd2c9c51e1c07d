#include "kafka/offset_tracker.hpp"

namespace semiasync::kafka {

void offset_tracker::started(const std::string& topic, int32_t partition,
                             int64_t offset) {
  auto& offsets = partitions_[{topic, partition}];
  // A redelivered offset that is still pending stays a single entry.
  auto [pos, added] = offsets.emplace(offset, false);
  if (added)
    ++in_flight_;
  else if (pos->second) {
    pos->second = false;
    ++in_flight_;
  }
}

std::optional<int64_t> offset_tracker::finished(const std::string& topic,
                                                int32_t partition,
                                                int64_t offset) {
  auto part = partitions_.find({topic, partition});
  if (part == partitions_.end()) return std::nullopt;
  auto& offsets = part->second;
  auto pos = offsets.find(offset);
  if (pos == offsets.end() || pos->second) return std::nullopt;
  pos->second = true;
  --in_flight_;
  // Only a finished prefix may be committed; later finished offsets wait
  // behind the oldest unfinished one.
  std::optional<int64_t> done_up_to;
  while (!offsets.empty() && offsets.begin()->second) {
    done_up_to = offsets.begin()->first;
    offsets.erase(offsets.begin());
  }
  if (offsets.empty()) partitions_.erase(part);
  return done_up_to;
}

void offset_tracker::forget_partition(const std::string& topic,
                                      int32_t partition) {
  auto part = partitions_.find({topic, partition});
  if (part == partitions_.end()) return;
  for (const auto& [offset, done] : part->second)
    if (!done) --in_flight_;
  partitions_.erase(part);
}

size_t offset_tracker::in_flight() const {
  return in_flight_;
}

} // namespace semiasync::kafka
