#include "tracing/span_context.hpp"

#include <algorithm>

namespace semiasync::tracing {

namespace {

/// The value of a lower-case hex digit, or -1. Upper case is invalid in
/// traceparent (the specification says so, whatever some SDKs accept).
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// Reads `out.size()` bytes from `2 * out.size()` hex digits.
template <size_t N>
bool read_hex(std::string_view text, std::array<uint8_t, N>& out) noexcept {
  if (text.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    auto hi = hex_value(text[2 * i]);
    auto lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

template <size_t N>
void write_hex(const std::array<uint8_t, N>& bytes, std::string& out) {
  static constexpr char digits[] = "0123456789abcdef";
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  }
}

template <size_t N>
bool all_zero(const std::array<uint8_t, N>& bytes) noexcept {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) {
    return b == 0;
  });
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

} // namespace

bool span_context::valid() const noexcept {
  return !all_zero(trace_id) && !all_zero(span_id);
}

std::optional<span_context> parse_traceparent(std::string_view text) {
  text = trim(text);
  // version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2.
  constexpr size_t length = 55;
  if (text.size() < length) return std::nullopt;
  std::array<uint8_t, 1> version{};
  std::array<uint8_t, 1> flags{};
  span_context result;
  if (!read_hex(text.substr(0, 2), version) || version[0] == 0xff
      || text[2] != '-' || !read_hex(text.substr(3, 32), result.trace_id)
      || text[35] != '-' || !read_hex(text.substr(36, 16), result.span_id)
      || text[52] != '-' || !read_hex(text.substr(53, 2), flags))
    return std::nullopt;
  // Version 00 has exactly four fields; a later version may add more after
  // a '-', which a version-00 parser skips.
  if (text.size() > length && (version[0] == 0 || text[length] != '-'))
    return std::nullopt;
  result.flags = flags[0];
  if (!result.valid()) return std::nullopt;
  return result;
}

std::string format_traceparent(const span_context& context) {
  std::string out = "00-";
  out.reserve(55);
  write_hex(context.trace_id, out);
  out += '-';
  write_hex(context.span_id, out);
  out += context.sampled() ? "-01" : "-00";
  return out;
}

std::string trace_id_hex(const span_context& context) {
  std::string out;
  write_hex(context.trace_id, out);
  return out;
}

std::string span_id_hex(const span_context& context) {
  std::string out;
  write_hex(context.span_id, out);
  return out;
}

} // namespace semiasync::tracing
