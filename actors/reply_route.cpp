#include "actors/reply_route.hpp"

#include "domain/error.hpp"

namespace semiasync {

uint64_t stable_hash(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

caf::expected<std::vector<int32_t>>
owned_reply_partitions(const std::vector<int32_t>& configured,
                       const std::string& instance_id,
                       int32_t partition_count) {
  if (partition_count <= 0)
    return make_error(error_code::broker_unavailable,
                      "the outcome topic has no partitions");
  if (configured.empty())
    return std::vector<int32_t>{static_cast<int32_t>(
      stable_hash(instance_id) % static_cast<uint64_t>(partition_count))};
  for (auto p : configured)
    if (p >= partition_count)
      return make_error(error_code::invalid_setting,
                        "replyPartitions names partition " + std::to_string(p)
                          + ", but the outcome topic has "
                          + std::to_string(partition_count));
  return configured;
}

reply_route::reply_route(std::vector<int32_t> partitions)
  : partitions_(std::move(partitions)) {
  // nop
}

int32_t reply_route::next() noexcept {
  auto n = turn_.fetch_add(1, std::memory_order_relaxed);
  return partitions_[n % partitions_.size()];
}

} // namespace semiasync
