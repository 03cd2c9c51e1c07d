#pragma once

// A log-linear latency histogram (HdrHistogram's idea, in 60 lines): exact
// below 256 us, then 128 buckets per power of two, so every reported value
// is within 0.8 % of the truth whatever the range, and recording is O(1)
// without allocation on the hot path.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <string>
#include <vector>

namespace semiasync::bench {

/// Latencies in microseconds; percentiles report a bucket's upper edge, so
/// they never understate, and `max` is exact.
class histogram {
public:
  /// Adds one value.
  void record(uint64_t micros) {
    auto i = index_of(micros);
    if (i >= counts_.size()) counts_.resize(i + 1, 0);
    ++counts_[i];
    ++total_;
    sum_ += static_cast<double>(micros);
    max_ = std::max(max_, micros);
  }

  /// Values recorded.
  uint64_t count() const {
    return total_;
  }

  /// Largest value recorded, exact.
  uint64_t max() const {
    return max_;
  }

  /// Arithmetic mean, 0 when empty.
  double mean() const {
    return total_ == 0 ? 0.0 : sum_ / static_cast<double>(total_);
  }

  /// The value at percentile `p` (0..100): the smallest bucket edge with at
  /// least p % of the values at or below it; 0 when empty.
  uint64_t percentile(double p) const {
    if (total_ == 0) return 0;
    auto rank = std::clamp<uint64_t>(
      static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_))),
      1, total_);
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper_edge(i), max_);
    }
    return max_;
  }

private:
  static constexpr int linear_bits = 8; // exact below 2^8 us
  static constexpr uint64_t linear = uint64_t{1} << linear_bits;
  static constexpr uint64_t half = linear / 2; // sub-buckets per octave

  static size_t index_of(uint64_t v) {
    if (v < linear) return static_cast<size_t>(v);
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - (linear_bits - 1);
    return static_cast<size_t>(linear + (msb - linear_bits) * half
                               + ((v >> shift) - half));
  }

  static uint64_t upper_edge(size_t i) {
    if (i < linear) return i;
    auto octave = (i - linear) / half;
    auto sub = (i - linear) % half + half;
    auto shift = octave + 1;
    return ((sub + 1) << shift) - 1;
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t max_ = 0;
  double sum_ = 0;
};

/// `{"p50":..,"p90":..,"p99":..,"p999":..,"max":..,"mean":..,"count":..}`
/// in milliseconds with microsecond precision.
inline std::string to_json_ms(const histogram& h) {
  auto ms = [](double micros) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f", micros / 1000.0);
    return std::string{buf};
  };
  return "{\"p50\":" + ms(h.percentile(50)) + ",\"p90\":"
         + ms(h.percentile(90)) + ",\"p99\":" + ms(h.percentile(99))
         + ",\"p999\":" + ms(h.percentile(99.9)) + ",\"max\":"
         + ms(static_cast<double>(h.max())) + ",\"mean\":" + ms(h.mean())
         + ",\"count\":" + std::to_string(h.count()) + "}";
}

} // namespace semiasync::bench
