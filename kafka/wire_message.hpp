#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace semiasync {

/// One Kafka record header.
struct header {
  /// Header name, e.g. `requestUUID`.
  std::string name;
  /// Header value as bytes.
  std::string value;
};

/// What a Kafka record carries, apart from where it lives: key, value,
/// headers. The wire contract is written in these terms.
struct wire_message {
  /// Partitioning key (the user name for requests).
  std::string key;
  /// The JSON value.
  std::string value;
  /// Headers in order.
  std::vector<header> headers;

  /// The value of the first header named `name`.
  std::optional<std::string_view> header_value(std::string_view name) const {
    for (auto& h : headers)
      if (h.name == name) return std::string_view{h.value};
    return std::nullopt;
  }
};

} // namespace semiasync
