#include "tests/cluster/cluster_run.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

#include "tests/integration/stack.hpp"

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;

/// Load before the first fault: the pipeline is warm and answering.
constexpr auto warm_for = 4s;

/// Fails the test unless the stack is the three-node cluster: against one
/// broker, killing "a node" is the fault suite's outage, not a failover.
fault_rig rig_on_cluster(const std::string& scenario) {
  auto commas = std::count(stack().kafka.begin(), stack().kafka.end(), ',');
  INFO("SEMIASYNC_TEST_KAFKA=" << stack().kafka);
  if (commas < 2)
    FAIL("needs the three-node cluster: scripts/stack up --brokers 3 and "
         "SEMIASYNC_TEST_KAFKA naming its nodes (scripts/test does both for "
         "the cluster label)");
  return fault_rig{scenario};
}

load_plan endless(load_plan plan) {
  plan.duration = 600s; // ended by stop_load()
  return plan;
}

} // namespace

load_tally tally_between(const std::vector<request_record>& records,
                         std::chrono::milliseconds from,
                         std::chrono::milliseconds to) {
  std::vector<request_record> window;
  for (auto& rec : records)
    if (rec.started >= from && rec.started < to) window.push_back(rec);
  return tally(window);
}

cluster_run::cluster_run(const std::string& scenario)
  : rig_(rig_on_cluster(scenario)),
    outcomes_(rig_.topics().outcomes),
    server_pid_(rig_.server().pid()),
    worker_pid_(rig_.worker().pid()),
    load_(endless(rig_.plan_load())) {
  std::this_thread::sleep_for(warm_for);
}

std::optional<std::chrono::milliseconds>
cluster_run::first_created_after(std::chrono::milliseconds since) const {
  return wait_for_created_after(load_, since, failover_timeout);
}

std::vector<request_record> cluster_run::stop_load() {
  std::this_thread::sleep_for(3s);
  load_.stop();
  return load_.wait();
}

void cluster_run::conclude(const std::vector<request_record>& records,
                           summary& line, write_gate_use gate) {
  // A 503 published after all must not hide: the settle time lets such a
  // request reach the database before the rows are read.
  std::this_thread::sleep_for(5s);
  auto [drained, audit] = audit_after_drain(records, rig_.name_prefix(),
                                            outcomes_, answered_by_worker, 60s);
  auto counts = tally(records);
  line.add(counts);
  add_to(line, audit);
  WARN(line.publish());

  INFO(rig_.log_tails());
  check_answered(counts);
  check_delivery(audit);
  {
    // The server logs each time it starts refusing requests at once.
    auto closed = rig_.server().log_text().find("refusing requests at once")
                  != std::string::npos;
    INFO("the server's write gate closed: " << closed);
    CHECK(closed == (gate == write_gate_use::closed));
  }
  CHECK(rig_.server().running());
  CHECK(rig_.worker().running());
  CHECK(rig_.server().pid() == server_pid_);
  CHECK(rig_.worker().pid() == worker_pid_);
}

} // namespace semiasync::testing
