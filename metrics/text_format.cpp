#include "metrics/text_format.hpp"

#include <charconv>
#include <cmath>

namespace semiasync::metrics::text {

namespace {

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

std::string escape_label_value(std::string_view value) {
  std::string result;
  result.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': result += "\\\\"; break;
      case '"': result += "\\\""; break;
      case '\n': result += "\\n"; break;
      default: result += c;
    }
  }
  return result;
}

std::string escape_help(std::string_view help) {
  std::string result;
  result.reserve(help.size());
  for (char c : help) {
    switch (c) {
      case '\\': result += "\\\\"; break;
      case '\n': result += "\\n"; break;
      default: result += c;
    }
  }
  return result;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Shortest text that parses back to the same double, as Go's
  // FormatFloat(v, 'g', -1, 64) writes it: 0.0005, 1, 2.5, 1e+21.
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc{}) return "NaN"; // cannot happen with 32 bytes
  return std::string(buf, end);
}

std::string format_labels(const labels& pairs) {
  if (pairs.empty()) return {};
  std::string result = "{";
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) result += ',';
    result += pairs[i].first;
    result += "=\"";
    result += escape_label_value(pairs[i].second);
    result += '"';
  }
  result += '}';
  return result;
}

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  if (!is_letter(name.front()) && name.front() != ':') return false;
  for (char c : name)
    if (!is_letter(c) && !is_digit(c) && c != ':') return false;
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || !is_letter(name.front())) return false;
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') return false;
  for (char c : name)
    if (!is_letter(c) && !is_digit(c)) return false;
  return true;
}

} // namespace semiasync::metrics::text
