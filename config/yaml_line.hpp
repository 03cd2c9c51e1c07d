#pragma once

#include <string>
#include <yaml-cpp/yaml.h>

namespace semiasync::config {

/// " (line N)" for a message about `node`, when the parser knows its line.
inline std::string line_of(const YAML::Node& node) {
  auto mark = node.Mark();
  if (mark.line < 0) return {};
  return " (line " + std::to_string(mark.line + 1) + ")";
}

} // namespace semiasync::config
