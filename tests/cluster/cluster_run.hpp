#pragma once

// One cluster scenario from start to verdict: a fault rig (a server, a
// worker and topics of its own, replicated on all three nodes) under steady
// HTTP load, the faults the scenario applies meanwhile, then the fault
// suite's audit against app.users and the outcome topic, one summary line,
// and the checks every scenario shares.

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "tests/faults/audit.hpp"
#include "tests/faults/load.hpp"
#include "tests/faults/rig.hpp"
#include "tests/faults/summary.hpp"

namespace semiasync::testing {

/// The first 201 after a fault (or after the repair) must come within this;
/// a failover measured 5-7 s (fencing after the 5 s broker session).
constexpr std::chrono::seconds failover_timeout{60};

/// Counts of the requests in `records` that started in [from, to) (offsets
/// from the load's start).
load_tally tally_between(const std::vector<request_record>& records,
                         std::chrono::milliseconds from,
                         std::chrono::milliseconds to);

/// What the server's write gate (the fast 503 when the cluster cannot take
/// a write) must have done during a scenario.
enum class write_gate_use {
  /// Never closed: the cluster kept a majority, so writes could complete.
  never,
  /// Closed at some point: the cluster lost its majority.
  closed,
};

/// A scenario's rig, load and verdict.
class cluster_run {
public:
  /// Fails the test unless SEMIASYNC_TEST_KAFKA names the three nodes;
  /// starts the rig for `scenario`, captures its outcome topic, starts the
  /// load and lets it run for a few seconds before the scenario breaks
  /// anything.
  explicit cluster_run(const std::string& scenario);

  cluster_run(const cluster_run&) = delete;
  cluster_run& operator=(const cluster_run&) = delete;

  /// The server, the worker and their topics.
  fault_rig& rig() noexcept {
    return rig_;
  }

  /// The load: its clock gives every offset of the scenario's timeline.
  load_run& load() noexcept {
    return load_;
  }

  /// `t` as an offset from the load's start.
  std::chrono::milliseconds at(load_clock::time_point t) const {
    return load_.offset_of(t);
  }

  /// When the first request started at `since` or later was answered 201,
  /// as an offset; nothing when none was within `failover_timeout`.
  std::optional<std::chrono::milliseconds>
  first_created_after(std::chrono::milliseconds since) const;

  /// Lets the load run on for a few seconds, stops it and returns every
  /// request's record.
  std::vector<request_record> stop_load();

  /// The verdict: waits for the rows and outcomes, audits `records`, adds
  /// the counts and the audit to `line`, publishes it, and checks what every
  /// scenario shares: every request answered with 201, 409, 503 or 504; no
  /// 201 missing from app.users and none stored twice; no request with two
  /// different outcomes; the server and the worker of the start still
  /// running (they recovered by themselves); and the server's write gate
  /// used as `gate` says (from its log).
  void conclude(const std::vector<request_record>& records, summary& line,
                write_gate_use gate = write_gate_use::never);

private:
  fault_rig rig_;
  topic_capture outcomes_;
  pid_t server_pid_;
  pid_t worker_pid_;
  load_run load_;
};

} // namespace semiasync::testing
