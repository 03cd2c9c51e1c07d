#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace semiasync::testing {

/// Environment variables added to (or replacing) the test's own for a child.
using environment_overrides = std::vector<std::pair<std::string, std::string>>;

/// A child process (fork + exec) whose stdout and stderr go to one log file.
/// The destructor stops it (SIGTERM, then SIGKILL), so a failing test never
/// leaves a server behind; the child also gets SIGKILL if the test dies.
class child_process {
public:
  /// Starts `argv[0]` with `argv` and the test's environment plus `env`,
  /// writing its output to `log_path` (truncated). Throws std::runtime_error
  /// when the log cannot be opened or fork fails; an exec failure shows up
  /// as exit code 127 and a line in the log. A `descriptor_limit` sets the
  /// child's RLIMIT_NOFILE (soft and hard) before exec; the child inherits
  /// every descriptor of the test without close-on-exec, as a shell's child
  /// would.
  child_process(std::vector<std::string> argv, const environment_overrides& env,
                std::string log_path,
                std::optional<uint64_t> descriptor_limit = std::nullopt);

  /// Stops the child if it still runs.
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// The child's process ID.
  pid_t pid() const noexcept {
    return pid_;
  }

  /// Where the child's output goes.
  const std::string& log_path() const noexcept {
    return log_path_;
  }

  /// True until the child has exited (reaps it when it has).
  bool running();

  /// Sends SIGTERM, waits up to `grace`, then sends SIGKILL; returns the
  /// wait status (see `describe_status`). Idempotent.
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds{10});

  /// Sends SIGKILL and reaps the child: a crash, no shutdown code runs.
  int kill9();

  /// The wait status once the child has exited, or -1 while it runs.
  int status() const noexcept {
    return status_;
  }

  /// The last `lines` lines of the log, for failure messages.
  std::string log_tail(size_t lines = 25) const;

  /// The whole log.
  std::string log_text() const;

  /// "exit code N", "signal N" or "running".
  std::string describe_status() const;

private:
  int wait_blocking();

  std::string log_path_;
  pid_t pid_ = -1;
  int status_ = -1;
};

} // namespace semiasync::testing
