#pragma once

// A bounded load for scale scenarios: POST /users with fresh names, spread
// round-robin over several server instances by a few client threads, each
// request's answer, start and latency kept for the checks.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace semiasync::testing {

/// What to send.
struct load_plan {
  /// Server ports; request `i` goes to `ports[i % ports.size()]`.
  std::vector<uint16_t> ports;
  /// How many requests.
  size_t requests = 0;
  /// Client threads (each sends one request at a time).
  size_t threads = 4;
  /// Requests started per second over all threads; 0: as fast as the
  /// threads go (closed loop, for throughput).
  double rate = 0;
  /// Label in the user names ("<run_prefix>-<label>-<n>").
  std::string label;
  /// How long the client waits for one answer.
  std::chrono::milliseconds client_timeout{15000};
};

/// One request's fate.
struct request_result {
  /// The user name sent.
  std::string name;
  /// The instance it went to.
  uint16_t port = 0;
  /// HTTP status, or 0 when no answer came (connection or client timeout).
  int status = 0;
  /// When it was sent, from the start of the load.
  std::chrono::milliseconds started{0};
  /// How long the answer took.
  std::chrono::milliseconds latency{0};
};

/// What a load run came to.
struct load_report {
  /// Every request, in the order they were planned.
  std::vector<request_result> results;
  /// From the first request sent to the last answer.
  std::chrono::milliseconds elapsed{0};

  /// Requests answered with `status` (0: unanswered).
  size_t count(int status) const;

  /// Answered requests per second over `elapsed`.
  double per_second() const;

  /// The latency below which `q` (0..1) of the requests were answered.
  std::chrono::milliseconds latency_quantile(double q) const;

  /// "N requests in S s (R/s): 201 x a, 504 x b, ..., p50 .. p99 .. max ..".
  std::string summary() const;
};

/// Runs `plan` and returns when every request is answered or given up on.
load_report run_load(const load_plan& plan);

} // namespace semiasync::testing
