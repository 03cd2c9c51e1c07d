#include "kafka/write_quorum.hpp"

#include <algorithm>

namespace semiasync::kafka {

std::optional<std::string>
unwritable_reason(const std::string& topic,
                  const std::vector<partition_replicas>& partitions,
                  const std::set<int32_t>& answering, int min_insync) {
  if (partitions.empty()) return topic + ": no partitions";
  // A partition without a leader is in an election: the producer waits
  // for its end, which may come within the request's time.
  for (const auto& p : partitions)
    if (p.leader < 0) return std::nullopt;
  int most_in_sync = 0;
  for (const auto& p : partitions) {
    if (answering.count(p.leader) == 0) continue;
    auto live
      = std::count_if(p.in_sync.begin(), p.in_sync.end(), [&](int32_t node) {
          return answering.count(node) > 0;
        });
    if (live >= min_insync) return std::nullopt;
    most_in_sync = std::max(most_in_sync, static_cast<int>(live));
  }
  return topic + ": no partition has a live leader with "
         + std::to_string(min_insync)
         + " live in-sync replicas (min.insync.replicas); the best has "
         + std::to_string(most_in_sync) + " of the "
         + std::to_string(answering.size()) + " answering brokers";
}

} // namespace semiasync::kafka
