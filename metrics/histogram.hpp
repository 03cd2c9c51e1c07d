#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace semiasync::metrics {

/// Seconds buckets for request latencies: 0.0005 .. 10.
std::vector<double> latency_buckets();

/// Counts observations into buckets with fixed upper bounds (Prometheus
/// type `histogram`). Lock-free: one atomic count per bucket, an atomic
/// total count and the sum kept as the bits of a double updated by CAS.
class histogram {
public:
  /// Buckets with the upper bounds `bounds` (inclusive, as Prometheus' `le`)
  /// plus one for everything above them (+Inf). Throws
  /// `std::invalid_argument` unless the bounds are finite and strictly
  /// increasing; a trailing +Inf is accepted and dropped, since that bucket
  /// always exists.
  explicit histogram(std::vector<double> bounds);

  histogram(const histogram&) = delete;
  histogram& operator=(const histogram&) = delete;

  /// Counts `v` into the first bucket whose bound is >= v (NaN: +Inf).
  void observe(double v) noexcept;

  /// Observations so far.
  uint64_t count() const noexcept;

  /// Sum of the observed values.
  double sum() const noexcept;

  /// One count per bucket, NOT cumulative, in bound order; the last entry
  /// counts the values above every bound (the +Inf bucket), so the result
  /// has `bounds().size() + 1` entries.
  std::vector<uint64_t> bucket_counts() const;

  /// The finite upper bounds, increasing.
  const std::vector<double>& bounds() const noexcept {
    return bounds_;
  }

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_bits_;
};

} // namespace semiasync::metrics
