#pragma once

#include <caf/timespan.hpp>

#include <cstddef>
#include <functional>

namespace semiasync {

/// Uniform numbers in [0, 1] (values outside are clamped). Injected wherever
/// timing is random, so tests choose the numbers.
using random_fraction = std::function<double()>;

/// A `random_fraction` from its own `std::mt19937_64`, seeded from
/// `std::random_device`. Not thread-safe: one per user.
random_fraction make_random_fraction();

/// Capped exponential backoff with "equal jitter": the n-th wait in a row
/// (n = 0, 1, ...) has the ceiling c = min(max, min * 2^n) and is drawn
/// uniformly from [c / 2, c]. Doubling spares a struggling dependency; the
/// jitter spreads workers that failed together so they do not retry in
/// lockstep; keeping the lower half makes every wait at least min / 2, so a
/// retry never degenerates into a busy loop (which "full jitter", drawing
/// from [0, c], could).
class retry_backoff {
public:
  /// Waits of zero; assign a configured one before use.
  retry_backoff() = default;

  /// Waits between `min` / 2 and `max`; `min` > `max` acts as `max`. An
  /// empty `random` always takes the ceiling.
  retry_backoff(caf::timespan min, caf::timespan max, random_fraction random);

  /// The next wait; each call doubles the ceiling, up to `max`.
  caf::timespan next();

  /// After a success: the next wait starts from `min` again.
  void reset() noexcept;

  /// Waits handed out since the last reset.
  size_t attempts() const noexcept {
    return attempts_;
  }

  /// The ceiling of the next wait.
  caf::timespan ceiling() const noexcept;

private:
  caf::timespan min_{0};
  caf::timespan max_{0};
  random_fraction random_;
  size_t attempts_ = 0;
};

} // namespace semiasync
