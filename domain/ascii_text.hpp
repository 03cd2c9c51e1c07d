#pragma once

// Text helpers for protocol tokens (HTTP field names, media types,
// preference names, header values): ASCII only, on purpose. Locale-aware
// functions would change their answers with the process's locale, and
// user names are compared by the database's collation, never here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semiasync {

/// `c` lower-cased when it is an ASCII capital letter, else `c` unchanged.
constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `text` with its ASCII capital letters lower-cased; other bytes (UTF-8
/// sequences included) stay as they are.
inline std::string ascii_lowercase(std::string_view text) {
  std::string result{text};
  for (auto& c : result)
    c = ascii_lower(c);
  return result;
}

/// True when `x` and `y` are equal but for the case of ASCII letters, as
/// HTTP compares field names and tokens.
constexpr bool equals_ignoring_ascii_case(std::string_view x,
                                          std::string_view y) noexcept {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (ascii_lower(x[i]) != ascii_lower(y[i])) return false;
  return true;
}

/// True for HTTP's optional whitespace: a space or a horizontal tab.
constexpr bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}

/// `text` without its leading and trailing blanks (spaces and tabs).
constexpr std::string_view trim_blanks(std::string_view text) noexcept {
  while (!text.empty() && is_blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back()))
    text.remove_suffix(1);
  return text;
}

/// `text` as a number when it is plain decimal digits, at most nine of them
/// (so it always fits an int32_t, and any Kafka partition number fits it):
/// no sign, no blanks, nothing else.
constexpr std::optional<int32_t>
parse_small_decimal(std::string_view text) noexcept {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

} // namespace semiasync
