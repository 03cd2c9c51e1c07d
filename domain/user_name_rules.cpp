#include "domain/user_name_rules.hpp"

#include <cstdint>

namespace semiasync {

namespace {

/// Decodes one UTF-8 sequence at `pos`, advancing it; nothing when invalid.
std::optional<uint32_t> next_code_point(std::string_view text, size_t& pos) {
  auto byte = [&](size_t i) {
    return static_cast<uint8_t>(text[i]);
  };
  uint8_t lead = byte(pos);
  size_t len;
  uint32_t cp;
  if (lead < 0x80) {
    ++pos;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    len = 2;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4;
    cp = lead & 0x07;
  } else {
    return std::nullopt;
  }
  if (pos + len > text.size()) return std::nullopt;
  for (size_t i = 1; i < len; ++i) {
    auto b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  static constexpr uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return std::nullopt;
  pos += len;
  return cp;
}

bool is_control(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

bool is_blank(uint32_t cp) {
  return cp == ' ' || cp == 0xA0 || cp == 0x1680
         || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029
         || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

} // namespace

std::optional<std::string> user_name_problem(std::string_view text) {
  if (text.empty()) return "name must not be empty";
  size_t chars = 0;
  bool blank = true;
  for (size_t pos = 0; pos < text.size();) {
    auto cp = next_code_point(text, pos);
    if (!cp) return "name is not valid UTF-8";
    if (is_control(*cp)) return "name must not contain control characters";
    if (!is_blank(*cp)) blank = false;
    ++chars;
  }
  if (blank) return "name must not be blank";
  if (chars > max_user_name_chars) return "name is longer than 255 characters";
  return std::nullopt;
}

bool is_valid_utf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();)
    if (!next_code_point(text, pos)) return false;
  return true;
}

} // namespace semiasync
