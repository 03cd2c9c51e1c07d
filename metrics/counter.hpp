#pragma once

#include <atomic>
#include <cstdint>

namespace semiasync::metrics {

/// A monotonically increasing count (Prometheus type `counter`). Lock-free;
/// any thread may increment it while another renders.
class counter {
public:
  counter() = default;
  counter(const counter&) = delete;
  counter& operator=(const counter&) = delete;

  /// Adds `n`.
  void inc(uint64_t n = 1) noexcept {
    // Relaxed: a scrape needs each value eventually, not an ordering
    // between different metrics.
    value_.fetch_add(n, std::memory_order_relaxed);
  }

  /// The current total.
  uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<uint64_t> value_{0};
};

} // namespace semiasync::metrics
