#pragma once

// Just enough HTTP/1.1 response parsing for a load generator: status line,
// Content-Length framing and `Connection: close`. semiasync's server (RESTinio)
// always frames bodies with Content-Length; anything else is reported as a
// protocol error rather than guessed at.

#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>

namespace semiasync::bench {

/// What parsing the front of a receive buffer found.
struct parsed_response {
  enum class kind { incomplete, complete, malformed } result = kind::incomplete;
  /// The status code, when complete.
  int status = 0;
  /// Bytes the response occupies at the front of the buffer.
  size_t length = 0;
  /// The server will close the connection after this response.
  bool closes = false;
};

namespace detail {

/// The value of header `name` (lower case, with the colon) in `head`, which
/// starts at the status line; empty when absent.
inline std::string_view header_value(std::string_view head,
                                     std::string_view name) {
  size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    if (head.size() - pos < name.size()) break;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(head[pos + i])) == name[i];
    if (!same) continue;
    auto start = head.find_first_not_of(' ', pos + name.size());
    auto end = head.find("\r\n", pos);
    if (start == std::string_view::npos || start > end) return {};
    return head.substr(start, end - start);
  }
  return {};
}

} // namespace detail

/// Parses the response at the front of `buf`.
inline parsed_response parse_response(std::string_view buf) {
  parsed_response out;
  auto head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    // A head this large is not a semiasync answer.
    if (buf.size() > 64 * 1024) out.result = parsed_response::kind::malformed;
    return out;
  }
  auto head = buf.substr(0, head_end + 2);
  if (head.size() < 12 || head.substr(0, 5) != "HTTP/") {
    out.result = parsed_response::kind::malformed;
    return out;
  }
  out.status = std::atoi(std::string{head.substr(9, 3)}.c_str());
  auto cl = detail::header_value(head, "content-length:");
  if (cl.empty()) {
    out.result = parsed_response::kind::malformed;
    return out;
  }
  auto body = std::strtoull(std::string{cl}.c_str(), nullptr, 10);
  out.length = head_end + 4 + body;
  if (buf.size() < out.length) return out;
  auto conn = detail::header_value(head, "connection:");
  out.closes = conn.size() == 5 && std::tolower(conn[0]) == 'c';
  out.result = parsed_response::kind::complete;
  return out;
}

} // namespace semiasync::bench
