#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace semiasync::testing {

/// Header fields in the order given or received.
using http_headers = std::vector<std::pair<std::string, std::string>>;

/// One request. `Host`, `Connection: close` and, for a body or a POST,
/// `Content-Length` are added by `http_send`.
struct http_request {
  /// Method, e.g. "POST".
  std::string method = "GET";
  /// Request target, e.g. "/users".
  std::string path = "/";
  /// Extra header fields.
  http_headers headers;
  /// Body bytes, sent as they are.
  std::string body;
};

/// One parsed response.
struct http_response {
  /// Status code, e.g. 201.
  int status = 0;
  /// Header fields as received.
  http_headers headers;
  /// Body bytes.
  std::string body;

  /// The first header named `name`, compared case-insensitively.
  std::optional<std::string> header(std::string_view name) const;
};

/// A connection, send or parse failure, or a timeout.
class http_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Sends `req` to 127.0.0.1:`port` over a fresh connection and reads the
/// whole response; `timeout` bounds connecting, sending and reading
/// together. Throws `http_error`.
http_response http_send(uint16_t port, const http_request& req,
                        std::chrono::milliseconds timeout
                        = std::chrono::seconds{15});

/// `http_send`, or nothing on `http_error` (for readiness polls).
std::optional<http_response> try_http_send(uint16_t port,
                                           const http_request& req,
                                           std::chrono::milliseconds timeout);

/// A POST of `body` with `Content-Type: application/json` plus `headers`.
http_request json_post(std::string path, std::string body,
                       http_headers headers = {});

} // namespace semiasync::testing
