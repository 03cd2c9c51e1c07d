#pragma once

#include "config/problem.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace semiasync::config {

/// Parses a list of partition numbers such as "0,3, 6" into `out` (blank:
/// none). Each entry is a plain decimal number of at most 9 digits, so it
/// fits a Kafka partition number; anything else, or a duplicate, is refused
/// with a reason and leaves `out` unchanged.
problem parse_partition_list(std::string_view text, std::vector<int32_t>& out);

/// `partitions` as `parse_partition_list` reads them: "0,3,6".
std::string partition_list_text(const std::vector<int32_t>& partitions);

} // namespace semiasync::config
