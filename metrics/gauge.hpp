#pragma once

#include <atomic>
#include <cstdint>

namespace semiasync::metrics {

/// A value that goes up and down (Prometheus type `gauge`). Lock-free.
class gauge {
public:
  gauge() = default;
  gauge(const gauge&) = delete;
  gauge& operator=(const gauge&) = delete;

  /// Replaces the value.
  void set(int64_t v) noexcept {
    value_.store(v, std::memory_order_relaxed);
  }

  /// Adds `d`, which may be negative.
  void add(int64_t d) noexcept {
    value_.fetch_add(d, std::memory_order_relaxed);
  }

  /// The current value.
  int64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<int64_t> value_{0};
};

} // namespace semiasync::metrics
