#pragma once

// Path templates of configured routes, such as `/orders/{orderId}/cancel`:
// parsed once at start (a bad one is refused, saying why), matched against
// request paths afterwards. Matching is exact and allocation-light; the
// server's router has already normalised the path (percent-decoding, one
// trailing slash).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace semiasync::config {

/// A parsed path template: literal segments and `{name}` parameters, each a
/// whole segment.
class path_template {
public:
  /// One segment: literal text, or a parameter's name.
  struct segment {
    /// The literal text, or the parameter's name when `is_parameter`.
    std::string text;
    /// Whether this segment captures a path parameter.
    bool is_parameter = false;
  };

  /// A path parameter's name and the segment it matched.
  using binding = std::pair<std::string, std::string>;

  /// Parses `text`, or says what is wrong with it: it must start with '/',
  /// have no empty segment (but for `/` itself), and its parameters must be
  /// whole segments named [A-Za-z_][A-Za-z0-9_]*, each name once.
  static std::variant<path_template, std::string> parse(std::string_view text);

  /// The parameters' values when `path` matches (one non-empty segment per
  /// parameter, literals byte for byte); nothing otherwise.
  std::optional<std::vector<binding>> match(std::string_view path) const;

  /// The template as written, for logs, metrics labels and `--help`.
  const std::string& text() const noexcept {
    return text_;
  }

  /// The segments in order.
  const std::vector<segment>& segments() const noexcept {
    return segments_;
  }

  /// Whether the template names the parameter `name`.
  bool has_parameter(std::string_view name) const;

private:
  std::string text_;
  std::vector<segment> segments_;
};

} // namespace semiasync::config
