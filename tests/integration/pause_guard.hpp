#pragma once

#include <signal.h>
#include <stdexcept>
#include <string>
#include <sys/types.h>

namespace semiasync::testing {

/// Freezes a process with SIGSTOP for as long as it lives (or until
/// `resume`), then lets it go on with SIGCONT: a failing test never leaves
/// a process frozen behind it.
class pause_guard {
public:
  /// Sends SIGSTOP to `pid`; throws when the process cannot be signalled,
  /// so a test never believes a process paused that runs on.
  explicit pause_guard(pid_t pid) : pid_(pid) {
    if (::kill(pid_, SIGSTOP) != 0)
      throw std::runtime_error("cannot pause process " + std::to_string(pid));
  }

  /// Sends SIGCONT unless `resume` did.
  ~pause_guard() {
    resume();
  }

  pause_guard(const pause_guard&) = delete;
  pause_guard& operator=(const pause_guard&) = delete;

  /// Sends SIGCONT now; idempotent.
  void resume() noexcept {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
    pid_ = -1;
  }

private:
  pid_t pid_;
};

} // namespace semiasync::testing
