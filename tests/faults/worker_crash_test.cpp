// Scenario 1: the worker dies by SIGKILL in the middle of its work, several
// times, and is restarted each time. At-least-once delivery means the
// records it was handling are delivered again to its successor, and
// idempotent processing means that costs nothing: no name is lost, none is
// stored twice, and no request gets two different outcomes.

#include <catch2/catch.hpp>
#include <thread>

#include "tests/faults/audit.hpp"
#include "tests/faults/load.hpp"
#include "tests/faults/rig.hpp"
#include "tests/faults/scale.hpp"
#include "tests/faults/summary.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

/// A killed member stays in the group until its session expires
/// (librdkafka's session.timeout.ms, 45 s), so a restarted worker gets
/// partitions only after that: each kill costs this much at most.
constexpr auto recovery_timeout = 90s;

/// After a recovery the next kill waits this long, so it hits the worker
/// while it works off the backlog of the outage.
constexpr auto kill_after_recovery = 1000ms;

} // namespace

TEST_CASE("a worker killed with SIGKILL during load loses and duplicates "
          "nothing",
          "[fault][worker-crash]") {
  fault_rig rig{"crash"};
  topic_capture outcomes{rig.topics().outcomes};
  const int kills = scaled(3, 8);
  const auto steady = scaled(4s, 15s);

  auto plan = rig.plan_load();
  plan.clients = 4;
  plan.requests_per_second = 25;
  // Ended by stop() below; the duration only bounds a run gone wrong.
  plan.duration = 600s;
  plan.client_timeout = 8s;
  load_run load{plan};

  std::vector<milliseconds> recoveries;
  std::this_thread::sleep_for(steady);
  for (int k = 0; k < kills; ++k) {
    auto kill_at = load.offset_of(load_clock::now());
    rig.kill_and_restart_worker();
    auto recovered = wait_for_created_after(load, kill_at, recovery_timeout);
    if (!recovered) {
      load.stop();
      FAIL("no 201 within " << recovery_timeout.count() << " s after kill "
                            << k + 1 << "\n"
                            << rig.log_tails());
    }
    recoveries.push_back(*recovered - kill_at);
    note("kill " + std::to_string(k + 1) + ": recovered after "
         + std::to_string(recoveries.back().count()) + " ms");
    std::this_thread::sleep_for(k + 1 < kills ? kill_after_recovery : steady);
  }
  load.stop();
  auto records = load.wait();
  auto counts = tally(records);

  auto [drained, audit] = audit_after_drain(records, rig.name_prefix(),
                                            outcomes, published_for_sure, 120s);

  summary line{"worker-crash"};
  line.add(counts).add("kills", kills);
  add_to(line, audit);
  std::string recovery_text;
  for (auto& r : recoveries)
    recovery_text
      += (recovery_text.empty() ? "" : ",") + std::to_string(ms_of(r));
  line.add("recovery_ms", recovery_text);
  line.add("drain_ms", ms_of(drained.waited));
  WARN(line.publish());

  INFO(rig.log_tails());
  check_answered(counts);
  check_delivery(audit);
  // Records handled since the last offset commit (every second) are
  // delivered again after a kill: the run must have exercised that.
  CHECK(audit.repeated_outcomes > 0);
  CHECK(rig.worker().running());
  CHECK(rig.server().running());
}
