#pragma once

#include <string>
#include <utility>

namespace semiasync {

/// A string with a meaning: a distinct type per meaning, so a user name can
/// never be passed where a request ID is expected.
template <class Tag>
struct strong_string {
  /// The wrapped text.
  std::string value;

  strong_string() = default;

  /// Wraps `text`; validation is the parser's job, not the constructor's.
  explicit strong_string(std::string text) : value(std::move(text)) {
    // nop
  }

  /// Compares by text.
  friend bool operator==(const strong_string& x, const strong_string& y) {
    return x.value == y.value;
  }

  /// Compares by text.
  friend bool operator!=(const strong_string& x, const strong_string& y) {
    return !(x == y);
  }

  /// Orders by text, for use as a map key.
  friend bool operator<(const strong_string& x, const strong_string& y) {
    return x.value < y.value;
  }
};

/// Identifies one create-user request end to end (lower-case canonical UUID).
using request_id = strong_string<struct request_id_tag>;

/// The name of a user, validated UTF-8 of 1..255 characters.
using user_name = strong_string<struct user_name_tag>;

/// Identifies a created user (lower-case canonical UUID).
using user_uuid = strong_string<struct user_uuid_tag>;

} // namespace semiasync

namespace std {

/// Hashes strong strings by their text.
template <class Tag>
struct hash<semiasync::strong_string<Tag>> {
  size_t operator()(const semiasync::strong_string<Tag>& x) const noexcept {
    return hash<string>{}(x.value);
  }
};

} // namespace std
