#pragma once

// A service in another language behind a configured route, run for real by
// the interop tests: the Spring orders service or the Python replier of
// examples/, each started with its own topics and waited for until it says
// "ready" (its partitions assigned). Both print "handled <request ID>
// <event type>" per request they process, which lets a test count how
// often a request was applied.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/child_process.hpp"

namespace semiasync::testing {

/// A running foreign service.
class foreign_service {
public:
  /// Starts `argv` (logging to `log_name` in the tests' log folder) and
  /// waits up to `timeout` for its "ready" line; throws with its log tail
  /// when it exits or stays silent.
  foreign_service(std::vector<std::string> argv, const std::string& log_name,
                  std::chrono::milliseconds timeout);

  /// How many times the service processed `request` so far.
  int times_handled(const std::string& request) const;

  /// `times_handled` once it is at least one, waiting up to `timeout`: a
  /// service may print its line after it replied (the Python replier
  /// prints once its offset is committed).
  int times_handled_eventually(const std::string& request,
                               std::chrono::milliseconds timeout
                               = std::chrono::seconds{5}) const;

  /// The end of its log, for failure messages.
  std::string log_tail() const;

private:
  std::unique_ptr<child_process> process_;
};

/// The Spring orders service (examples/spring-orders) on `topic`, built if
/// needed; an order for item "slow" takes `slow_ms`.
std::unique_ptr<foreign_service> start_spring_orders(const std::string& topic,
                                                     int slow_ms);

/// The Python replier (examples/python-replier) from `requests` to
/// `outcomes`.
std::unique_ptr<foreign_service>
start_python_replier(const std::string& requests, const std::string& outcomes);

/// Writes `yaml` to a file under the tests' log folder named `name` and
/// returns its path.
std::string write_config(const std::string& name, const std::string& yaml);

} // namespace semiasync::testing
