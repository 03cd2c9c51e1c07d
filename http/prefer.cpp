#include "http/prefer.hpp"

#include "domain/ascii_text.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace semiasync::http {

namespace {

/// Reads the delta-seconds of `wait=`, optionally quoted; nothing when it
/// is not a whole number (a wait of years is capped later, not refused).
std::optional<std::chrono::seconds> read_seconds(std::string_view text) {
  text = trim_blanks(text);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  if (text.empty()) return std::nullopt;
  unsigned long value = 0;
  auto [ptr, ec]
    = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ptr != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range)
    return std::chrono::seconds{std::chrono::hours{24}};
  if (ec != std::errc{}) return std::nullopt;
  return std::chrono::seconds{std::min<unsigned long>(
    value, std::chrono::seconds{std::chrono::hours{24}}.count())};
}

/// Applies one preference (`token [= value] *(; parameter)`).
void apply(std::string_view item, preferences& prefs) {
  item = item.substr(0, item.find(';'));
  auto eq = item.find('=');
  auto name = trim_blanks(item.substr(0, eq));
  if (eq == std::string_view::npos) {
    if (equals_ignoring_ascii_case(name, "respond-async"))
      prefs.respond_async = true;
    return;
  }
  // RFC 7240: the first occurrence of a preference wins.
  if (equals_ignoring_ascii_case(name, "wait") && !prefs.wait)
    prefs.wait = read_seconds(item.substr(eq + 1));
}

} // namespace

preferences parse_prefer(std::optional<std::string_view> header) {
  preferences result;
  if (!header) return result;
  auto rest = *header;
  for (;;) {
    auto comma = rest.find(',');
    apply(rest.substr(0, comma), result);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return result;
}

preferences parse_prefer_fields(const std::vector<std::string_view>& fields) {
  std::string joined;
  for (auto field : fields) {
    if (!joined.empty()) joined += ',';
    joined.append(field.data(), field.size());
  }
  if (fields.empty()) return {};
  return parse_prefer(std::optional<std::string_view>{joined});
}

std::string preference_applied(const preferences& prefs, bool answered_async,
                               std::chrono::milliseconds applied_wait) {
  std::string result;
  if (prefs.respond_async && answered_async) result = "respond-async";
  if (prefs.wait) {
    auto seconds
      = std::chrono::ceil<std::chrono::seconds>(applied_wait).count();
    result += (result.empty() ? "" : ", ") + std::string{"wait="}
              + std::to_string(seconds);
  }
  return result;
}

std::chrono::milliseconds
request_deadline(const preferences& prefs,
                 std::chrono::milliseconds reply_timeout,
                 std::chrono::milliseconds max_wait) {
  if (!prefs.wait)
    return prefs.respond_async ? std::chrono::milliseconds{0} : reply_timeout;
  return std::min<std::chrono::milliseconds>(*prefs.wait, max_wait);
}

std::chrono::milliseconds remaining_deadline(std::chrono::milliseconds deadline,
                                             std::chrono::nanoseconds elapsed) {
  auto spent = std::chrono::ceil<std::chrono::milliseconds>(elapsed);
  return spent >= deadline ? std::chrono::milliseconds{0} : deadline - spent;
}

} // namespace semiasync::http
