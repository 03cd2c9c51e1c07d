#pragma once

// Turns a fuzz input into the parts of an HTTP request or a Kafka record, in
// a text form a person can write seeds in (fuzz/corpus/):
//
//   first line (a record's key; ignored for HTTP input)
//   Name: value            <- header lines, up to the first empty line
//   Other-Name: value
//                          <- empty line
//   body or value: every remaining byte, verbatim
//
// Lines end with "\n" (a "\r" before it is dropped). A header line splits at
// its first ':', and one space after the ':' is dropped; a line without ':'
// is a header with an empty value. Without an empty line there is no body.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

namespace semiasync::fuzz {

/// One input split as described above.
struct text_input {
  /// The first line.
  std::string_view first_line;
  /// The header lines, split into name and value, in order.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  /// Everything after the empty line.
  std::string_view body;
};

inline text_input split_text_input(const uint8_t* data, size_t size) {
  std::string_view rest{reinterpret_cast<const char*>(data), size};
  text_input result;
  auto next_line = [&rest](std::string_view& line) {
    if (rest.empty()) return false;
    auto end = rest.find('\n');
    line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{}
                                         : rest.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  };
  if (!next_line(result.first_line)) return result;
  std::string_view line;
  bool body_follows = false;
  while (next_line(line)) {
    if (line.empty()) {
      body_follows = true;
      break;
    }
    auto colon = line.find(':');
    auto name = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    result.headers.emplace_back(name, value);
  }
  if (body_follows) result.body = rest;
  return result;
}

/// Ends the run as a crash (libFuzzer keeps the input) when an invariant of
/// the code under test does not hold: a wrong answer is a finding too.
#define SEMIASYNC_FUZZ_CHECK(condition)                                        \
  do {                                                                         \
    if (!(condition)) {                                                        \
      std::fprintf(stderr, "invariant failed at %s:%d: %s\n", __FILE__,        \
                   __LINE__, #condition);                                      \
      std::abort();                                                            \
    }                                                                          \
  } while (false)

} // namespace semiasync::fuzz
