// Scenario 3: MariaDB stops during load and starts again a while later. The
// worker must neither skip nor dead-letter the requests it cannot store
// meanwhile: it retries with backoff, and the same process works off the
// backlog once the database is back.

#include <catch2/catch.hpp>
#include <thread>

#include "tests/faults/audit.hpp"
#include "tests/faults/load.hpp"
#include "tests/faults/rig.hpp"
#include "tests/faults/scale.hpp"
#include "tests/faults/service_control.hpp"
#include "tests/faults/summary.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

/// The worker's backoff is capped at 5 s, so it tries again within that
/// once the database is up; the rest is reconnecting and the backlog.
constexpr auto recovery_timeout = 60s;

} // namespace

TEST_CASE("a database outage during load loses nothing and the same worker "
          "resumes by itself",
          "[fault][db-outage]") {
  fault_rig rig{"dbdown"};
  topic_capture outcomes{rig.topics().outcomes};
  topic_capture dead_letters{rig.topics().dead_letters};
  const auto worker_pid = rig.worker().pid();
  const auto down_for = scaled(20s, 60s);

  auto plan = rig.plan_load();
  plan.duration = 600s; // ended by stop() below
  load_run load{plan};
  std::this_thread::sleep_for(4s);

  milliseconds down_at{0};
  milliseconds up_at{0};
  std::optional<milliseconds> recovered;
  {
    service_outage outage{service::db(), outage_kind::stop};
    down_at = load.offset_of(outage.down_since());
    std::this_thread::sleep_until(outage.down_since() + down_for);
    outage.end();
    up_at = load.offset_of(outage.up_again());
    recovered = wait_for_created_after(load, up_at, recovery_timeout);
  }
  std::this_thread::sleep_for(3s);
  load.stop();
  auto records = load.wait();
  auto counts = tally(records);

  auto [drained, audit] = audit_after_drain(records, rig.name_prefix(),
                                            outcomes, published_for_sure, 120s);
  // A request that met the outage must be retried, not dead-lettered.
  collect(dead_letters, 1s);
  auto dead_lettered = dead_letters.records().size();

  summary line{"db-outage"};
  line.add(counts);
  add_to(line, audit);
  line.add("dlq", static_cast<long long>(dead_lettered));
  line.add("down_ms", ms_of(up_at - down_at));
  line.add("recovery_ms", recovered ? ms_of(*recovered - up_at) : -1);
  line.add("drain_ms", ms_of(drained.waited));
  WARN(line.publish());

  INFO(rig.log_tails());
  check_answered(counts);
  CHECK(recovered.has_value());
  CHECK(dead_lettered == 0);
  check_delivery(audit);
  CHECK(rig.worker().running());
  CHECK(rig.worker().pid() == worker_pid);
}
