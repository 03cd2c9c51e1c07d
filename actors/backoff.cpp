#include "actors/backoff.hpp"

#include <algorithm>
#include <memory>
#include <random>

namespace semiasync {

random_fraction make_random_fraction() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] {
    return std::uniform_real_distribution<double>{0.0, 1.0}(*engine);
  };
}

retry_backoff::retry_backoff(caf::timespan min, caf::timespan max,
                             random_fraction random)
  : min_(std::min(min, max)), max_(max), random_(std::move(random)) {
  // nop
}

caf::timespan retry_backoff::ceiling() const noexcept {
  auto result = min_;
  // Doubling stops at the cap, so a long outage cannot overflow the count.
  for (size_t i = 0; i < attempts_ && result < max_ && result.count() > 0; ++i)
    result = std::min(result * 2, max_);
  return result;
}

caf::timespan retry_backoff::next() {
  auto cap = ceiling();
  ++attempts_;
  // A source outside [0, 1) must not push a wait out of its bounds.
  auto fraction = std::clamp(random_ ? random_() : 1.0, 0.0, 1.0);
  auto half = cap / 2;
  auto extra = std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double, caf::timespan::period>(
      static_cast<double>((cap - half).count()) * fraction));
  return half + extra;
}

void retry_backoff::reset() noexcept {
  attempts_ = 0;
}

} // namespace semiasync
