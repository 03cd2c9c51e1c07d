#include "actors/reply_route.hpp"

#include "domain/ascii_text.hpp"
#include "domain/error.hpp"

#include <algorithm>

namespace semiasync {

namespace {

/// Nine digits always fit an int32_t, and Kafka topics have far fewer
/// partitions than that.
constexpr size_t max_digits = 9;

std::optional<int32_t> parse_partition(std::string_view text) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  int32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

} // namespace

std::optional<int32_t> requested_reply_partition(const wire_message& request) {
  auto value = request.header_value(reply_partition_header);
  if (!value) return std::nullopt;
  return parse_partition(*value);
}

void add_reply_partition(wire_message& request, int32_t partition) {
  request.headers.push_back(
    {reply_partition_header, std::to_string(partition)});
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
    return make_error(error_code::unavailable,
                      "the outcome topic has no partitions");
  if (configured.empty())
    return std::vector<int32_t>{static_cast<int32_t>(
      stable_hash(instance_id) % static_cast<uint64_t>(partition_count))};
  for (auto p : configured)
    if (p >= partition_count)
      return make_error(error_code::unavailable,
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
