#include "config/partition_list.hpp"

#include "domain/ascii_text.hpp"

#include <algorithm>

namespace semiasync::config {

problem parse_partition_list(std::string_view text, std::vector<int32_t>& out) {
  std::vector<int32_t> result;
  if (!trim_blanks(text).empty()) {
    for (;;) {
      auto comma = text.find(',');
      auto entry = trim_blanks(text.substr(0, comma));
      auto partition = parse_small_decimal(entry);
      if (!partition) return "expected partition numbers separated by ','";
      if (std::find(result.begin(), result.end(), *partition) != result.end())
        return "partition " + std::to_string(*partition) + " is listed twice";
      result.push_back(*partition);
      if (comma == std::string_view::npos) break;
      text.remove_prefix(comma + 1);
    }
  }
  out = std::move(result);
  return std::nullopt;
}

std::string partition_list_text(const std::vector<int32_t>& partitions) {
  std::string result;
  for (auto partition : partitions)
    result += (result.empty() ? "" : ",") + std::to_string(partition);
  return result;
}

} // namespace semiasync::config
