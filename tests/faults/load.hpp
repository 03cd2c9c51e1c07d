#pragma once

// A bounded, self-stopping load generator: a few client threads on loopback
// send POST /users with fresh names at a fixed total rate for a fixed time
// (or count), and record what happened to every request. Every request has
// a client timeout, so a request the server never answers shows up as a
// "hang" instead of stalling the test.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace semiasync::testing {

/// The clock of load runs and fault timelines.
using load_clock = std::chrono::steady_clock;

/// The shape of one load run.
struct load_plan {
  /// The server's HTTP port on 127.0.0.1.
  uint16_t port = 0;
  /// Names are `unique_name(label)`, so a scenario finds its rows by the
  /// prefix `run_prefix() + "-" + label + "-"`.
  std::string label;
  /// Client threads, i.e. at most this many requests at once.
  int clients = 4;
  /// Requests per second of all clients together; a client that falls
  /// behind (slow answers) skips the missed slots instead of bursting.
  double requests_per_second = 20;
  /// New requests start only within this time after the run started.
  std::chrono::milliseconds duration{10000};
  /// At most this many requests in all; 0 means no limit.
  size_t max_requests = 0;
  /// A request without a complete answer within this is a hang.
  std::chrono::milliseconds client_timeout{8000};
};

/// How a request ended, seen from the client.
enum class request_fate {
  /// A complete HTTP response arrived (see `status`).
  answered,
  /// The connection was refused: nobody listened (nothing was sent).
  refused,
  /// The connection closed or broke without a complete response.
  dropped,
  /// No complete response within the client timeout.
  hang,
};

/// "answered", "refused", "dropped" or "hang".
const char* to_string(request_fate fate);

/// What happened to one request.
struct request_record {
  /// The user name sent.
  std::string name;
  /// How it ended.
  request_fate fate = request_fate::hang;
  /// The HTTP status when answered, else 0.
  int status = 0;
  /// The user's uuid from a 201 body, else empty.
  std::string user_uuid;
  /// The X-Request-Id of the answer, else empty.
  std::string request_id;
  /// True when the answer carried Retry-After.
  bool retry_after = false;
  /// The client's error text when not answered.
  std::string error;
  /// When the request started, since the run started.
  std::chrono::milliseconds started{0};
  /// From start to the end of the answer (or of the failure).
  std::chrono::milliseconds latency{0};
};

/// Counts of a set of requests by outcome.
struct load_tally {
  /// Requests started.
  size_t sent = 0;
  /// Answered 201.
  size_t created = 0;
  /// Answered 409.
  size_t conflict = 0;
  /// Answered 503.
  size_t unavailable = 0;
  /// Answered 504.
  size_t timed_out = 0;
  /// Answered with any other status.
  size_t other_status = 0;
  /// No answer within the client timeout.
  size_t hangs = 0;
  /// Connection refused.
  size_t refused = 0;
  /// Connection broken without a complete answer.
  size_t dropped = 0;
};

/// Counts `records` by outcome.
load_tally tally(const std::vector<request_record>& records);

/// One load run, started by the constructor on its own threads. The
/// destructor stops it and waits for the requests under way (each ends by
/// its client timeout), so no thread outlives the test.
class load_run {
public:
  /// Starts `plan.clients` threads at once.
  explicit load_run(load_plan plan);

  /// Stops and joins.
  ~load_run();

  load_run(const load_run&) = delete;
  load_run& operator=(const load_run&) = delete;

  /// When the run started.
  load_clock::time_point start_time() const noexcept {
    return start_;
  }

  /// `t` as time since the run started (negative before).
  std::chrono::milliseconds offset_of(load_clock::time_point t) const;

  /// Lets no new request start; the ones under way still finish.
  void stop() noexcept;

  /// Waits until the run ended (duration or count reached, or stopped) and
  /// every request finished; returns the records, in start order.
  std::vector<request_record> wait();

  /// The requests finished so far, in finishing order.
  std::vector<request_record> snapshot() const;

private:
  void client_loop(int index);
  bool may_start_another();

  load_plan plan_;
  load_clock::time_point start_;
  std::atomic<bool> stopped_{false};
  std::atomic<size_t> started_count_{0};
  mutable std::mutex mtx_;
  std::vector<request_record> records_;
  std::vector<std::thread> clients_;
};

/// Polls `load` until a request that started at `since` or later (as an
/// offset from the run's start) was answered 201, and returns when that
/// answer arrived (same offset scale); nothing when none did within
/// `timeout`. This is how scenarios measure recovery after a fault.
std::optional<std::chrono::milliseconds>
wait_for_created_after(const load_run& load, std::chrono::milliseconds since,
                       std::chrono::milliseconds timeout);

} // namespace semiasync::testing
