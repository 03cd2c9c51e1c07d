#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace semiasync::http {

/// What an acceptor does after a failed accept.
struct accept_retry {
  /// How long to wait before accepting again.
  std::chrono::milliseconds delay{0};
  /// A line to log, when this failure is not throttled.
  std::optional<std::string> line;
};

/// The retry schedule and log throttle of an acceptor whose accepts fail
/// (EMFILE, ENFILE, ENOBUFS, ENOMEM, ...): waits start at `first` and
/// double up to `longest`, so a lasting shortage costs at most one attempt
/// per `longest`; the first failure of a run is logged, then at most one
/// line per `log_interval` with the count in between, and the success that
/// ends a run is logged once. Time is passed in, so the schedule is tested
/// without a clock. Thread-safe: accept handlers run on any I/O thread.
class accept_backoff {
public:
  /// The clock of the time points passed in.
  using clock = std::chrono::steady_clock;

  /// The schedule; see the class.
  explicit accept_backoff(
    std::chrono::milliseconds first = std::chrono::milliseconds{50},
    std::chrono::milliseconds longest = std::chrono::seconds{1},
    std::chrono::milliseconds log_interval = std::chrono::seconds{10});

  /// An accept failed at `now`; `what` names the failure (port and
  /// error) for the log line.
  accept_retry failed(std::string_view what, clock::time_point now);

  /// An accept succeeded at `now`: the next failure waits `first` again.
  /// Returns a line when this ends a run of failures.
  std::optional<std::string> succeeded(clock::time_point now);

private:
  const std::chrono::milliseconds first_;
  const std::chrono::milliseconds longest_;
  const std::chrono::milliseconds log_interval_;
  /// True during a run of failures; lets `succeeded` skip the lock.
  std::atomic<bool> failing_{false};
  std::mutex mutex_;
  /// The wait after the next failure.
  std::chrono::milliseconds next_delay_;
  /// When the current run of failures began.
  clock::time_point run_start_;
  /// When the last failure line was logged.
  clock::time_point last_line_;
  /// Failures in the current run.
  size_t run_failures_ = 0;
  /// Failures since the last line.
  size_t unlogged_ = 0;
};

} // namespace semiasync::http
