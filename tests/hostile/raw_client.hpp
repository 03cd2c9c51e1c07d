#pragma once

// A raw TCP client for the traffic `http_client` cannot produce: malformed,
// oversized, slow, pipelined or never finished requests. It sends exactly
// the bytes it is given and reports what came back: the complete responses
// (Content-Length framed, as the server sends them) and whether and when
// the server closed the connection.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/http_client.hpp"

namespace semiasync::testing {

/// One TCP connection to 127.0.0.1. Times are measured from the moment the
/// connection was established, which is when the server's read timer
/// starts too (unless the server is at its connection limit and has not
/// accepted it yet).
class raw_connection {
public:
  /// Connects to 127.0.0.1:`port` within `timeout`; throws `http_error`.
  /// A `receive_buffer` above 0 shrinks the socket's receive buffer (and so
  /// the window the server may fill) to about that many bytes.
  explicit raw_connection(uint16_t port,
                          std::chrono::milliseconds timeout
                          = std::chrono::seconds{5},
                          int receive_buffer = 0);

  /// Closes the socket if still open.
  ~raw_connection();

  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Sends all of `bytes` (blocking up to `timeout`). Returns false when
  /// the server closed or reset the connection before all went out, or the
  /// timeout passed; what the server said before closing is kept.
  bool send(std::string_view bytes,
            std::chrono::milliseconds timeout = std::chrono::seconds{10});

  /// Sends `bytes` in pieces of `chunk` bytes with `pause` after each,
  /// watching the connection during the pauses: stops as soon as the
  /// server closes it (returning false) and keeps any answer it sent.
  bool send_paced(std::string_view bytes, size_t chunk,
                  std::chrono::milliseconds pause);

  /// Reads until `count` complete responses arrived in total, the server
  /// closed the connection, or `timeout` passed.
  void read_responses(size_t count, std::chrono::milliseconds timeout);

  /// Reads (and keeps responses) until the server closes the connection or
  /// `timeout` passes. Returns true when it closed.
  bool read_until_closed(std::chrono::milliseconds timeout);

  /// Waits up to `timeout` until the server closes or resets the
  /// connection, without reading what it sent (a client that does not read
  /// its answers). Returns true when it did; does not mark it closed, so a
  /// later read still collects the answers.
  bool wait_for_hang_up(std::chrono::milliseconds timeout);

  /// Closes the connection from this side.
  void close();

  /// The complete responses received so far, in order.
  const std::vector<http_response>& responses() const noexcept {
    return responses_;
  }

  /// True once the server closed (FIN) or reset (RST) the connection.
  bool closed_by_server() const noexcept {
    return closed_after_.has_value();
  }

  /// When the server closed the connection, measured from connecting.
  std::optional<std::chrono::milliseconds> closed_after() const noexcept {
    return closed_after_;
  }

  /// Bytes received that do not form a complete response (yet).
  const std::string& pending_bytes() const noexcept {
    return buffer_;
  }

  /// Milliseconds since the connection was established.
  std::chrono::milliseconds age() const;

  /// What happened, for failure messages: "got responses with status 413"
  /// and/or "closed by server after 1042 ms" or "still open after 3000 ms".
  std::string describe() const;

private:
  /// Waits up to `timeout` for input and reads what there is; returns false
  /// when nothing more will come (closed, or the socket is gone).
  bool receive_once(std::chrono::milliseconds timeout);

  /// Moves every complete response from `buffer_` to `responses_`.
  void parse_responses();

  void mark_closed();

  int fd_ = -1;
  std::chrono::steady_clock::time_point connected_at_;
  std::string buffer_;
  std::vector<http_response> responses_;
  std::optional<std::chrono::milliseconds> closed_after_;
};

} // namespace semiasync::testing
