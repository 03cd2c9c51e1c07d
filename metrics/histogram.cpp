#include "metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace semiasync::metrics {

namespace {

uint64_t bits_of(double x) noexcept {
  uint64_t result;
  std::memcpy(&result, &x, sizeof result);
  return result;
}

double double_of(uint64_t bits) noexcept {
  double result;
  std::memcpy(&result, &bits, sizeof result);
  return result;
}

std::vector<double> checked(std::vector<double> bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0)
    bounds.pop_back();
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]))
      throw std::invalid_argument("histogram bounds must be finite");
    if (i > 0 && !(bounds[i - 1] < bounds[i]))
      throw std::invalid_argument(
        "histogram bounds must be strictly increasing");
  }
  return bounds;
}

} // namespace

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
}

histogram::histogram(std::vector<double> bounds)
  : bounds_(checked(std::move(bounds))),
    buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)),
    sum_bits_(bits_of(0.0)) {
  for (size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v) noexcept {
  // NaN compares false with every bound and lands in +Inf, as in the Go
  // client; the sum then turns NaN, which is what was observed.
  size_t index = std::isnan(v)
                   ? bounds_.size()
                   : static_cast<size_t>(
                     std::lower_bound(bounds_.begin(), bounds_.end(), v)
                     - bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  auto old_bits = sum_bits_.load(std::memory_order_relaxed);
  while (!sum_bits_.compare_exchange_weak(
    old_bits, bits_of(double_of(old_bits) + v), std::memory_order_relaxed))
    ; // `old_bits` now holds the current value: add again
  count_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t histogram::count() const noexcept {
  return count_.load(std::memory_order_relaxed);
}

double histogram::sum() const noexcept {
  return double_of(sum_bits_.load(std::memory_order_relaxed));
}

std::vector<uint64_t> histogram::bucket_counts() const {
  std::vector<uint64_t> result(bounds_.size() + 1);
  for (size_t i = 0; i < result.size(); ++i)
    result[i] = buckets_[i].load(std::memory_order_relaxed);
  return result;
}

} // namespace semiasync::metrics
