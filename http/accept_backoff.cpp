#include "http/accept_backoff.hpp"

#include <algorithm>

namespace semiasync::http {

namespace {

std::string millis_text(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

} // namespace

accept_backoff::accept_backoff(std::chrono::milliseconds first,
                               std::chrono::milliseconds longest,
                               std::chrono::milliseconds log_interval)
  : first_(first),
    longest_(std::max(first, longest)),
    log_interval_(log_interval),
    next_delay_(first) {
  // nop
}

accept_retry accept_backoff::failed(std::string_view what,
                                    clock::time_point now) {
  std::lock_guard<std::mutex> guard{mutex_};
  accept_retry result;
  result.delay = next_delay_;
  next_delay_ = std::min(next_delay_ * 2, longest_);
  ++run_failures_;
  if (!failing_.load(std::memory_order_relaxed)) {
    failing_.store(true, std::memory_order_relaxed);
    run_start_ = now;
    last_line_ = now;
    unlogged_ = 0;
    result.line
      = std::string{what} + "; accepting again in " + millis_text(result.delay);
    return result;
  }
  if (now - last_line_ < log_interval_) {
    ++unlogged_;
    return result;
  }
  result.line = std::string{what} + " (" + std::to_string(unlogged_ + 1)
                + " failed accepts since the last line); accepting again in "
                + millis_text(result.delay);
  last_line_ = now;
  unlogged_ = 0;
  return result;
}

std::optional<std::string> accept_backoff::succeeded(clock::time_point now) {
  if (!failing_.load(std::memory_order_relaxed)) return std::nullopt;
  std::lock_guard<std::mutex> guard{mutex_};
  if (!failing_.load(std::memory_order_relaxed)) return std::nullopt;
  failing_.store(false, std::memory_order_relaxed);
  next_delay_ = first_;
  auto line
    = "accepting connections again after " + std::to_string(run_failures_)
      + " failed accepts in "
      + millis_text(std::chrono::duration_cast<std::chrono::milliseconds>(
        now - run_start_));
  run_failures_ = 0;
  return line;
}

} // namespace semiasync::http
