#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/http_client.hpp"
#include "tests/integration/stack.hpp"

namespace semiasync::testing {

/// A server and a worker on the default topics and worker group, as a
/// deployment runs them, started once per test process and torn down at
/// exit (processes first, then this run's users). Construction waits until
/// one request went through end to end, so tests see a worker that owns its
/// partitions.
class pipeline {
public:
  /// The process-wide instance, started on first use. A failed start throws
  /// and is retried by the next caller.
  static pipeline& shared();

  pipeline();

  /// The same with `server_flags` added to the server's command line.
  explicit pipeline(const std::vector<std::string>& server_flags);

  ~pipeline();

  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  /// The server's HTTP port.
  uint16_t port() const noexcept {
    return server_.port;
  }

  /// POST /users with `{"name": name}` and `headers`.
  http_response create_user(const std::string& name,
                            http_headers headers = {}) const;

  /// Log tails of both processes, for failure messages.
  std::string log_tails() const;

private:
  // Declared first so it runs last, after the processes stopped.
  users_cleanup cleanup_;
  server_instance server_;
  std::unique_ptr<child_process> worker_;
};

/// `{"name": name}`, escaped as JSON.
std::string name_body(const std::string& name);

} // namespace semiasync::testing
