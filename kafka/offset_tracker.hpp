#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace semiasync::kafka {

/// Decides how far each partition may be committed when records finish out
/// of order: never past a record that started and has not finished. Offsets
/// of one partition need not be contiguous (compaction, transaction markers).
/// Pure bookkeeping, single-threaded.
class offset_tracker {
public:
  /// Records that `offset` of (`topic`, `partition`) is being processed.
  /// Offsets of one partition must start in increasing order, as read.
  void started(const std::string& topic, int32_t partition, int64_t offset);

  /// Records that `offset` is done. Returns the highest offset of the
  /// partition that may now be marked done (every started offset up to it
  /// has finished), or nothing when that point did not move. Unknown offsets
  /// (never started, or forgotten) are ignored.
  std::optional<int64_t> finished(const std::string& topic, int32_t partition,
                                  int64_t offset);

  /// Drops everything about a partition, e.g. once it is revoked: its new
  /// owner starts from the last commit.
  void forget_partition(const std::string& topic, int32_t partition);

  /// Number of started offsets not yet finished, over all partitions.
  size_t in_flight() const;

private:
  using partition_key = std::pair<std::string, int32_t>;

  /// Per partition: started offsets still blocking the commit point, each
  /// with whether it finished.
  std::map<partition_key, std::map<int64_t, bool>> partitions_;

  size_t in_flight_ = 0;
};

} // namespace semiasync::kafka
