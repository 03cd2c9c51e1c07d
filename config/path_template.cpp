#include "config/path_template.hpp"

#include <algorithm>

namespace semiasync::config {

namespace {

constexpr bool is_name_start(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

constexpr bool is_name_char(char c) noexcept {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

bool is_parameter_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  return std::all_of(name.begin(), name.end(), is_name_char);
}

/// Calls `visit` with each segment of `path` (which starts with '/'); the
/// root `/` has none. Stops early when `visit` returns false.
template <class Visit>
bool for_each_segment(std::string_view path, Visit visit) {
  if (path == "/") return true;
  path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    if (!visit(path.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

} // namespace

std::variant<path_template, std::string>
path_template::parse(std::string_view text) {
  if (text.empty() || text.front() != '/') return "must start with '/'";
  path_template result;
  result.text_ = std::string{text};
  std::string problem;
  for_each_segment(text, [&](std::string_view seg) {
    if (seg.empty()) {
      problem = "has an empty segment ('//' or a trailing '/')";
      return false;
    }
    auto open = seg.find('{');
    auto close = seg.find('}');
    if (open == std::string_view::npos && close == std::string_view::npos) {
      result.segments_.push_back({std::string{seg}, false});
      return true;
    }
    if (open != 0 || close != seg.size() - 1) {
      problem
        = "a parameter must be a whole segment: '" + std::string{seg} + "'";
      return false;
    }
    auto name = seg.substr(1, seg.size() - 2);
    if (!is_parameter_name(name)) {
      problem = "'" + std::string{name}
                + "' is not a parameter name (letters, digits, '_')";
      return false;
    }
    if (result.has_parameter(name)) {
      problem = "names the parameter '" + std::string{name} + "' twice";
      return false;
    }
    result.segments_.push_back({std::string{name}, true});
    return true;
  });
  if (!problem.empty()) return problem;
  return result;
}

std::optional<std::vector<path_template::binding>>
path_template::match(std::string_view path) const {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::vector<binding> bindings;
  size_t i = 0;
  auto matched = for_each_segment(path, [&](std::string_view seg) {
    if (i == segments_.size()) return false;
    auto& expected = segments_[i++];
    if (!expected.is_parameter) return seg == expected.text;
    if (seg.empty()) return false;
    bindings.emplace_back(expected.text, std::string{seg});
    return true;
  });
  if (!matched || i != segments_.size()) return std::nullopt;
  return bindings;
}

bool path_template::has_parameter(std::string_view name) const {
  return std::any_of(segments_.begin(), segments_.end(),
                     [name](const segment& s) {
                       return s.is_parameter && s.text == name;
                     });
}

} // namespace semiasync::config
