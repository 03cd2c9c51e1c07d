#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/gauge.hpp"
#include "metrics/histogram.hpp"
#include "metrics/text_format.hpp"

namespace semiasync::metrics {

/// The metrics of one process, rendered as Prometheus text (format 0.0.4).
/// No global instance: each process creates one and passes it to whoever
/// records. Metric families are identified by name; the same name with other
/// labels is another series of the same family (one HELP/TYPE block).
///
/// Every member is thread-safe. Getting a metric takes a lock, so callers
/// keep the returned reference instead of looking it up per event; recording
/// through the reference is lock-free.
///
/// Errors are programming errors and throw `std::invalid_argument`: an
/// invalid metric or label name, a label named twice, the name of a family
/// of another type (or one whose exposition lines would collide with a
/// histogram's `_bucket`/`_sum`/`_count`), a histogram series with bounds
/// other than its family's, or `le` as a histogram label.
class registry {
public:
  registry();
  ~registry();

  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Get-or-create; the reference stays valid for the registry's lifetime.
  /// Labels are a set: their order does not matter. The first `help` given
  /// for a family is kept.
  counter& get_counter(const std::string& name, const std::string& help,
                       const labels& l = {});

  /// Get-or-create, as `get_counter`.
  gauge& get_gauge(const std::string& name, const std::string& help,
                   const labels& l = {});

  /// Get-or-create, as `get_counter`; every series of a family has the same
  /// `bounds` (see `histogram`).
  histogram& get_histogram(const std::string& name, const std::string& help,
                           std::vector<double> bounds, const labels& l = {});

  /// A gauge series read at scrape time (e.g. a queue length, consumer lag).
  /// `read` must be thread-safe and non-blocking, and must not call into
  /// this registry (it runs under the registry's lock). Registering the same
  /// series again replaces its callback; a stored gauge series of the same
  /// name and labels is an error. A `read` that throws skips its line.
  void add_gauge_callback(const std::string& name, const std::string& help,
                          std::function<double()> read, const labels& l = {});

  /// Every family, sorted by name, and its series, sorted by labels:
  /// `# HELP` (omitted when empty) and `# TYPE` lines, then samples;
  /// histograms as cumulative `_bucket{le="..."}` lines ending in `+Inf`,
  /// then `_sum` and `_count`.
  std::string render() const;

  /// Every series of the counter family `name` with its labels (sorted by
  /// name) and value; empty when there is no such counter family. For
  /// in-process readers (the live page's stats) that want numbers, not text.
  std::vector<std::pair<labels, uint64_t>>
  counter_values(const std::string& name) const;

private:
  struct family;

  family& family_for(const std::string& name, const std::string& help,
                     int type);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<family>> families_;
};

} // namespace semiasync::metrics
