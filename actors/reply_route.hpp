#pragma once

// Reply steering: a server names, in an additive request header, a
// partition of the outcome topic it reads; the worker publishes the
// request's outcome to exactly that partition. Each server instance then
// reads only its own share of the outcomes instead of all of them. This is
// the policy (which partitions, in which turn); the header itself is part
// of the wire format (kafka/wire_codec.hpp).

#include <caf/expected.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace semiasync {

/// The outcome partitions a steered instance reads: `configured` when it
/// is not empty (every entry must be below `partition_count`), otherwise
/// the one partition `stable_hash(instance_id) % partition_count`. Two
/// instances may land on one partition: each then also reads the other's
/// outcomes, which costs fan-in, never correctness.
caf::expected<std::vector<int32_t>>
owned_reply_partitions(const std::vector<int32_t>& configured,
                       const std::string& instance_id, int32_t partition_count);

/// FNV-1a (64 bit) of `text`: the same on every machine and build, unlike
/// `std::hash`, so an instance ID maps to the same partition everywhere.
uint64_t stable_hash(std::string_view text);

/// Hands out the partitions an instance owns in turn, so requests spread
/// over all of them. Thread-safe (HTTP threads call it).
class reply_route {
public:
  /// Requires at least one partition.
  explicit reply_route(std::vector<int32_t> partitions);

  /// The partition for the next request.
  int32_t next() noexcept;

  /// Every partition of the route.
  const std::vector<int32_t>& partitions() const noexcept {
    return partitions_;
  }

private:
  std::vector<int32_t> partitions_;
  std::atomic<uint64_t> turn_{0};
};

} // namespace semiasync
