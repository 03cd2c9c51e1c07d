// Cluster scenario 6: two of the three nodes die by SIGKILL under steady
// HTTP load. In combined mode that also loses the KRaft quorum, so the
// survivor can neither shrink its partitions' in-sync replicas nor move a
// leadership: no write can reach min.insync.replicas=2 and the producer gets
// no NOT_ENOUGH_REPLICAS, only timeouts. The server must say so at once: new
// requests get 503 + Retry-After well before their reply deadline, none of
// them is written, and service resumes by itself when one node returns.

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "tests/cluster/cluster_metadata.hpp"
#include "tests/cluster/cluster_run.hpp"
#include "tests/faults/service_control.hpp"
#include "tests/integration/http_client.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

/// How long both nodes stay dead.
constexpr auto down_for = 20s;

/// Requests that start this long after the second kill must be answered
/// 503 at once: time for the server to notice (its probe interval and the
/// produce timeout of the requests already on their way).
constexpr auto must_be_refused_after = 5s;

/// A fast 503 comes well within the produce timeout (2 s, the server's
/// default): slower, it is a publish that timed out, not the server
/// knowing the cluster cannot take it.
constexpr auto fast = 1000ms;

/// The survivor: a node that is not the active KRaft controller. A
/// controller that loses its quorum stops answering clients' metadata
/// requests for the whole outage (seen in CI: node 1 was the controller,
/// `/readyz` said "no broker answers", and the write check, which refuses
/// only on a broker's answer, had none to go on: requests got the produce
/// timeout's 503 or a 504 instead of a fast 503). That outage is honestly
/// answered but not the one this scenario measures. Which node leads the
/// quorum depends on the scenarios before, so it is looked up.
int survivor_node() {
  return active_controller() == 1 ? 2 : 1;
}

} // namespace

TEST_CASE("two of three nodes down: new requests get a fast 503, nothing "
          "is half-written, and service resumes with one node back",
          "[cluster][quorum-loss]") {
  cluster_run run{"cluster-quorum-loss"};
  milliseconds down_at{0};
  milliseconds relaunch_at{0};
  milliseconds back_at{0};
  milliseconds whole_at{0};
  std::optional<milliseconds> resumed;
  std::optional<milliseconds> after_whole;
  http_response readyz;
  auto survivor = survivor_node();
  std::vector<int> victims;
  for (int node : {1, 2, 3})
    if (node != survivor) victims.push_back(node);
  INFO("node " << survivor << " survives");
  {
    service_outage second{service::kafka_node(victims[0]), outage_kind::kill};
    service_outage third{service::kafka_node(victims[1]), outage_kind::kill};
    down_at = run.at(third.down_since());
    std::this_thread::sleep_until(third.down_since() + must_be_refused_after);
    readyz = http_send(run.rig().port(), {"GET", "/readyz", {}, {}});
    std::this_thread::sleep_until(third.down_since() + down_for);
    // One node back is a majority again: the quorum elects a controller,
    // the ISRs shrink to the two live nodes, writes succeed.
    third.end();
    relaunch_at = run.at(third.restart_began());
    back_at = run.at(third.up_again());
    resumed = run.first_created_after(back_at);
    second.end();
    whole_at = run.at(second.up_again());
    after_whole = run.first_created_after(whole_at);
  }
  auto records = run.stop_load();

  size_t in_window = 0;
  size_t refused_fast = 0;
  long long slowest_ms = 0;
  std::vector<std::string> violations;
  for (auto& rec : records) {
    // Until the node is launched again: while it rejoins, requests take
    // the normal way, which may end in 504 (it may be written).
    if (rec.started < down_at + must_be_refused_after
        || rec.started >= relaunch_at)
      continue;
    ++in_window;
    slowest_ms = std::max(slowest_ms, ms_of(rec.latency));
    if (rec.fate == request_fate::answered && rec.status == 503
        && rec.retry_after && rec.latency < fast) {
      ++refused_fast;
    } else if (violations.size() < 8) {
      violations.push_back(
        rec.name + " started at " + std::to_string(rec.started.count())
        + " ms: " + to_string(rec.fate) + " " + std::to_string(rec.status)
        + " after " + std::to_string(rec.latency.count()) + " ms"
        + (rec.retry_after ? "" : " without Retry-After"));
    }
  }
  auto early = tally_between(records, down_at, down_at + must_be_refused_after);

  summary line{"cluster-quorum-loss"};
  line.add("window_requests", static_cast<long long>(in_window));
  line.add("window_fast_503", static_cast<long long>(refused_fast));
  line.add("window_slowest_ms", slowest_ms);
  line.add("first_5s_503", static_cast<long long>(early.unavailable));
  line.add("first_5s_504", static_cast<long long>(early.timed_out));
  line.add("resumed_ms", resumed ? ms_of(*resumed - back_at) : -1);
  line.add("after_whole_ms", after_whole ? ms_of(*after_whole - whole_at) : -1);
  run.conclude(records, line, write_gate_use::closed);

  std::string examples;
  for (auto& text : violations)
    examples += "\n  " + text;
  INFO("requests while two nodes were down not answered a fast 503 + "
       "Retry-After:"
       << examples);
  CHECK(in_window > 0);
  {
    INFO("GET /readyz while two nodes were down: " << readyz.status << " "
                                                   << readyz.body);
    CHECK(readyz.status == 503);
    CHECK(readyz.body.find("min.insync.replicas") != std::string::npos);
  }
  CHECK(refused_fast == in_window);
  CHECK(resumed.has_value());
  CHECK(after_whole.has_value());
}
