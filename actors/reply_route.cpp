#include "actors/reply_route.hpp"

#include "domain/ascii_text.hpp"
#include "domain/error.hpp"

#include <algorithm>

namespace semiasync {

std::optional<outcome_routing> outcome_routing_from(std::string_view text) {
  if (text == "broadcast") return outcome_routing::broadcast;
  if (text == "steered") return outcome_routing::steered;
  return std::nullopt;
}

caf::expected<std::vector<int32_t>>
parse_partition_list(std::string_view text) {
  std::vector<int32_t> result;
  if (trim_blanks(text).empty()) return result;
  for (;;) {
    auto comma = text.find(',');
    auto entry = trim_blanks(text.substr(0, comma));
    auto p = parse_small_decimal(entry);
    if (!p)
      return make_error(error_code::invalid_setting,
                        "'" + std::string{entry}
                          + "' is not a partition number");
    if (std::find(result.begin(), result.end(), *p) != result.end())
      return make_error(error_code::invalid_setting,
                        "partition " + std::to_string(*p) + " is listed twice");
    result.push_back(*p);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return result;
}

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
