#pragma once

// What a history run records and what it reads back at the end: plain data,
// no I/O, so the checker (checker.hpp) is a pure function of the two and
// can be fed hand-made histories in a unit test.
//
// Times are milliseconds since the run started (steady clock).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace semiasync::testing::history {

/// One HTTP exchange of one client, or one hostile connection.
struct exchange {
  /// Position in the history (set by the recorder).
  size_t index = 0;
  /// Which client thread sent it.
  int client = 0;
  /// What the client meant: "fresh", "pool", "key-same", "key-other",
  /// "key-race", "retry", "async", "wait", "poll", "get-user",
  /// "get-request", "hostile-garbage", "hostile-slow", "hostile-oversize".
  std::string op;
  /// The server instance it went to (0-based).
  int server = 0;
  /// "POST" or "GET" (hostile: what it pretended to be).
  std::string method;
  /// The request target, e.g. "/users" or "/requests/<id>".
  std::string path;
  /// The name sent; for a "poll", the name of the POST whose status it is.
  std::string name;
  /// The Idempotency-Key sent, empty when none (for a "poll": the POST's).
  std::string key;
  /// Sent `Prefer: respond-async`.
  bool respond_async = false;
  /// Sent `Prefer: wait=<n>` with this n; 0 when not.
  int wait_seconds = 0;
  /// When the client started connecting.
  int64_t start_ms = 0;
  /// When the answer was complete (or the attempt failed).
  int64_t end_ms = 0;
  /// A complete HTTP answer arrived.
  bool answered = false;
  /// The connection was refused (nothing was sent).
  bool refused = false;
  /// Why there is no answer (client-side error text).
  std::string error;
  /// The HTTP status when answered.
  int status = 0;
  /// The answer's body.
  std::string body;
  /// The answer's X-Request-Id.
  std::string request_id;
  /// The answer's Location.
  std::string location;

  /// True for the create-user POSTs the checker judges.
  bool is_create() const {
    return method == "POST" && path == "/users" && op.rfind("hostile", 0) != 0;
  }
};

/// A fault and how long it lasted, from the start of breaking to the end of
/// healing.
struct fault_window {
  /// "worker-kill", "worker-pause", "broker-pause", "db-stop",
  /// "server-restart".
  std::string kind;
  /// What it hit: "server-<i>", "worker-<i>", "broker", "db".
  std::vector<std::string> targets;
  /// Breaking began.
  int64_t start_ms = 0;
  /// Healing ended.
  int64_t end_ms = 0;
};

/// One `GET /healthz` of a process.
struct health_sample {
  /// "server-<i>" or "worker-<i>".
  std::string target;
  /// When the probe started.
  int64_t at_ms = 0;
  /// Answered 200.
  bool ok = false;
  /// What came instead, when not ok.
  std::string detail;
};

/// Everything a run recorded.
struct run_history {
  /// The seed the run was drawn from.
  uint64_t seed = 0;
  /// Every user name of the run starts with this.
  std::string name_prefix;
  /// The exchanges, in the order they ended.
  std::vector<exchange> exchanges;
  /// The faults injected, in order.
  std::vector<fault_window> faults;
  /// The health probes, in order.
  std::vector<health_sample> health;
};

/// A row of app.users.
struct user_row {
  /// users.uuid
  std::string uuid;
  /// users.name, byte for byte.
  std::string name;
  /// users.request_uuid
  std::string request_id;
};

/// A row of app.request_outcomes (decisions that created no user).
struct outcome_row {
  /// request_outcomes.request_uuid
  std::string request_id;
  /// request_outcomes.event_type
  std::string event_type;
  /// request_outcomes.name, byte for byte.
  std::string name;
};

/// One record of the outcome topic.
struct topic_outcome {
  /// The requestUUID header (or value when the header is missing).
  std::string request_id;
  /// The eventType header: UserCreated, UserDuplicated, UserRejected.
  std::string event_type;
  /// The name in the value.
  std::string name;
  /// userUUID of a UserCreated.
  std::string user_uuid;
  /// The error of a UserRejected.
  std::string error;
  /// "topic/partition@offset", for messages.
  std::string position;
};

/// The final state after the quiet period.
struct final_state {
  /// app.users rows whose name starts with the run's prefix.
  std::vector<user_row> users;
  /// app.request_outcomes rows whose name starts with the run's prefix.
  std::vector<outcome_row> request_outcomes;
  /// Every record of the run's outcome topic.
  std::vector<topic_outcome> outcomes;
};

} // namespace semiasync::testing::history
