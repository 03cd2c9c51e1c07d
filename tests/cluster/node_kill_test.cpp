// Cluster scenarios 1-4: under steady HTTP load, one Kafka node dies by
// SIGKILL and is started again a while later. Which node depends on the
// scenario: the leader of the request topic's partitions, the leader of the
// outcome topic's, the coordinator of the worker's group, or the active
// KRaft controller. With replication 3 and min.insync.replicas 2 the
// survivors take over once the dead node is fenced (its 5 s session):
// clients may be told 503 or 504 for those seconds, but no user answered
// 201 may be missing, none may be stored twice, no request may get two
// different outcomes, and the server and the worker carry on by themselves.

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <thread>

#include "tests/cluster/cluster_metadata.hpp"
#include "tests/cluster/cluster_run.hpp"
#include "tests/faults/service_control.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

/// How long the node stays dead: well past its fencing, so the cluster
/// serves on two nodes for a while.
constexpr auto down_for = 15s;

/// Polls the leaders of `topic` until none is `node`, for up to `timeout`;
/// returns the last ones seen.
std::vector<int> leaders_without(const std::string& topic, int node,
                                 milliseconds timeout) {
  auto deadline = load_clock::now() + timeout;
  auto leaders = leaders_of(topic);
  while (std::find(leaders.begin(), leaders.end(), node) != leaders.end()
         && load_clock::now() < deadline) {
    std::this_thread::sleep_for(250ms);
    leaders = leaders_of(topic);
  }
  return leaders;
}

/// Checks that every partition of `topic` has a leader other than `victim`.
void check_led_without(const std::string& topic,
                       const std::vector<int>& leaders, int victim) {
  INFO("leaders of " << topic << " while kafka-" << victim
                     << " was down: " << describe(leaders));
  CHECK(std::find(leaders.begin(), leaders.end(), victim) == leaders.end());
  CHECK(std::find(leaders.begin(), leaders.end(), -1) == leaders.end());
}

/// Picks the node to kill once the load runs.
using victim_choice = std::function<int(cluster_run&)>;

/// The scenario: kills the node `choose` names, measures the failover to
/// the first 201, keeps the node down for `down_for`, starts it again,
/// measures the recovery, and concludes with the shared verdict plus: the
/// survivors took over every partition of the rig's topics.
void kill_and_restart(const std::string& scenario, const std::string& role,
                      const victim_choice& choose) {
  cluster_run run{scenario};
  const auto& requests = run.rig().topics().requests;
  const auto& outcomes = run.rig().topics().outcomes;

  const int victim = choose(run);
  note("kill -9 kafka-" + std::to_string(victim) + " (" + role
       + "); leaders of " + requests + ": " + describe(leaders_of(requests))
       + "; of " + outcomes + ": " + describe(leaders_of(outcomes)));
  milliseconds down_at{0};
  milliseconds up_at{0};
  std::optional<milliseconds> failover;
  std::optional<milliseconds> after_restart;
  std::vector<int> requests_during;
  std::vector<int> outcomes_during;
  {
    service_outage crash{service::kafka_node(victim), outage_kind::kill};
    down_at = run.at(crash.down_since());
    failover = run.first_created_after(down_at);
    requests_during = leaders_without(requests, victim, 15s);
    outcomes_during = leaders_without(outcomes, victim, 15s);
    std::this_thread::sleep_until(crash.down_since() + down_for);
    crash.end();
    up_at = run.at(crash.up_again());
    after_restart = run.first_created_after(up_at);
  }
  auto records = run.stop_load();
  auto window = tally_between(records, down_at,
                              failover ? *failover : milliseconds::max());

  summary line{scenario};
  line.add("victim", victim);
  line.add("failover_ms", failover ? ms_of(*failover - down_at) : -1);
  line.add("window_201", static_cast<long long>(window.created));
  line.add("window_503", static_cast<long long>(window.unavailable));
  line.add("window_504", static_cast<long long>(window.timed_out));
  line.add("after_restart_ms",
           after_restart ? ms_of(*after_restart - up_at) : -1);
  run.conclude(records, line);

  CHECK(failover.has_value());
  CHECK(after_restart.has_value());
  check_led_without(requests, requests_during, victim);
  check_led_without(outcomes, outcomes_during, victim);
}

} // namespace

TEST_CASE("SIGKILL of the request topic's leader loses and duplicates "
          "nothing",
          "[cluster][leader-kill]") {
  kill_and_restart("cluster-leader-kill", "leads most request partitions",
                   [](cluster_run& run) {
                     return busiest_leader(run.rig().topics().requests);
                   });
}

TEST_CASE("SIGKILL of the outcome topic's leader loses and duplicates "
          "nothing",
          "[cluster][outcome-leader-kill]") {
  kill_and_restart("cluster-outcome-leader-kill",
                   "leads most outcome partitions", [](cluster_run& run) {
                     return busiest_leader(run.rig().topics().outcomes);
                   });
}

TEST_CASE("SIGKILL of the worker group's coordinator loses and duplicates "
          "nothing",
          "[cluster][coordinator-kill]") {
  kill_and_restart("cluster-coordinator-kill", "coordinates the worker's group",
                   [](cluster_run& run) {
                     return coordinator_of(run.rig().group());
                   });
}

TEST_CASE("SIGKILL of the active KRaft controller loses and duplicates "
          "nothing",
          "[cluster][controller-kill]") {
  kill_and_restart("cluster-controller-kill", "the active controller",
                   [](cluster_run&) {
                     return active_controller();
                   });
}
