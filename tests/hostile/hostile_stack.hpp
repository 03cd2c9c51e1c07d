#pragma once

// The server and worker the hostile suite attacks: real processes on topics
// and a worker group of their own, with limits short enough that slow and
// abusive clients are cut off within a second or two.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/http_client.hpp"
#include "tests/integration/stack.hpp"

namespace semiasync::testing {

/// The limits every hostile server runs with (see `hostile_stack`).
namespace hostile_limits {

/// `--read-timeout-ms`: the time a client has to send a whole request.
constexpr std::chrono::milliseconds read_timeout{1000};

/// `--write-timeout-ms`: the time a client has to take an answer.
constexpr std::chrono::milliseconds write_timeout{1000};

/// `--max-header-bytes`: the longest URL and header field value.
constexpr size_t max_header_bytes = 8192;

/// `--max-body-bytes`: the largest body answered other than 413.
constexpr size_t max_body_bytes = 65536;

/// `--max-connections`: connections the server serves at once.
constexpr size_t max_connections = 64;

} // namespace hostile_limits

/// A server (with `hostile_limits` plus extra flags) and a worker on fresh
/// topics and a fresh worker group. Construction returns once one request
/// went through end to end; destruction stops both and deletes the topics
/// and this run's users.
class hostile_stack {
public:
  /// `label` makes the topics recognisable in the broker.
  explicit hostile_stack(const std::string& label,
                         std::vector<std::string> extra_server_flags = {});

  ~hostile_stack();

  hostile_stack(const hostile_stack&) = delete;
  hostile_stack& operator=(const hostile_stack&) = delete;

  /// The stack most tests share: started on first use, stopped at exit.
  static hostile_stack& shared();

  /// The server's HTTP port.
  uint16_t port() const noexcept {
    return server_.port;
  }

  /// The server process.
  child_process& server() {
    return *server_.process;
  }

  /// The worker process.
  child_process& worker() {
    return *worker_;
  }

  /// POST /users with `{"name": name}`.
  http_response create_user(const std::string& name,
                            http_headers headers = {}) const;

  /// Fails the test unless the server process runs, `GET /healthz` answers
  /// 200 and a POST of a fresh name is answered 201 within a few seconds
  /// (a normal client is still served after whatever came before).
  void check_still_serving();

  /// Log tails of both processes, for failure messages.
  std::string log_tails() const;

private:
  // Declared first so it runs last, after the processes stopped.
  users_cleanup cleanup_;
  std::string base_;
  std::vector<std::string> topics_;
  server_instance server_;
  std::unique_ptr<child_process> worker_;
};

/// A problem answer (RFC 9457, see `check_problem`) with `status`, whose
/// body names nothing internal: no SQL, no library names or exception
/// texts, no file paths.
void check_clean_problem(const http_response& resp, int status);

/// A request line, Host and the given fields, then a blank line and `body`;
/// no Content-Length is added (tests that lie about it write their own).
std::string raw_request(const std::string& method, const std::string& target,
                        const http_headers& headers = {},
                        const std::string& body = {});

/// A well-formed POST /users of `body` with Content-Type and Content-Length,
/// keeping the connection open (for pipelining).
std::string raw_post(const std::string& body);

} // namespace semiasync::testing
