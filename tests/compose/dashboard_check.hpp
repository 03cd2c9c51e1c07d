#pragma once

// Checks of a Grafana dashboard's Prometheus queries against the metrics the
// processes export: every metric a query names is exported by the process its
// job scrapes, with the labels the query selects or groups by.

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace semiasync::dashboard_check {

/// Everything found wrong, one message each; empty when all is consistent.
using problems = std::vector<std::string>;

/// Sample names of a /metrics text (histograms as their `_bucket`, `_sum`
/// and `_count` samples), each with the label names it carries.
using exported = std::map<std::string, std::set<std::string>>;

/// Reads Prometheus text exposition (format 0.0.4).
exported exported_by(const std::string& exposition);

/// What one PromQL expression refers to.
struct promql_use {
  /// Metric names (selectors without a name are not supported).
  std::set<std::string> metrics;
  /// Label names in selectors and in by/without/on/ignoring/group_* lists.
  std::set<std::string> labels;
  /// Values of `job="..."` matchers.
  std::set<std::string> jobs;
};

/// Reads a PromQL expression as far as names go: string literals, ranges,
/// numbers, Grafana's `$variables`, functions and keywords are skipped.
promql_use uses_of(const std::string& expr);

/// The `expr` of every query of every panel (rows' panels included), with
/// the panel's title.
std::vector<std::pair<std::string, std::string>>
queries_of(const nlohmann::json& dashboard);

/// Checks every query: it names a metric; each `job` it selects is a scrape
/// job; each metric is exported by the process of its jobs (by any process
/// when it selects no job); each label is one of those metrics' or one
/// Prometheus adds (job, instance). `jobs` maps job -> process; `processes`
/// maps process -> what it exports.
problems check_dashboard(const nlohmann::json& dashboard,
                         const std::map<std::string, std::string>& jobs,
                         const std::map<std::string, exported>& processes);

} // namespace semiasync::dashboard_check
