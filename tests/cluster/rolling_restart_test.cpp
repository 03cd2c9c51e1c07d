// Cluster scenario 5: a rolling restart under steady HTTP load, the way an
// operator upgrades a cluster: each node in turn is stopped cleanly (its
// leaderships move first: a controlled shutdown), kept down for a few
// seconds, started again and waited for until every replica is back in
// sync, before the next. No user answered 201 may be missing, none stored
// twice, no request with two outcomes; service must resume after each step.

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <thread>

#include "tests/cluster/cluster_run.hpp"
#include "tests/faults/service_control.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

/// How long each node stays stopped.
constexpr auto down_for = 5s;

/// The longest time between two consecutive 201 answers that arrived in
/// [from, to): how long clients went without a success.
milliseconds
longest_gap_between_201s(const std::vector<request_record>& records,
                         milliseconds from, milliseconds to) {
  std::vector<milliseconds> answered;
  for (auto& rec : records)
    if (rec.fate == request_fate::answered && rec.status == 201) {
      auto at = rec.started + rec.latency;
      if (at >= from && at < to) answered.push_back(at);
    }
  std::sort(answered.begin(), answered.end());
  milliseconds gap{0};
  auto last = from;
  for (auto at : answered) {
    gap = std::max(gap, at - last);
    last = at;
  }
  return std::max(gap, to - last);
}

} // namespace

TEST_CASE("a rolling restart of the three nodes loses and duplicates "
          "nothing",
          "[cluster][rolling-restart]") {
  cluster_run run{"cluster-rolling"};
  summary line{"cluster-rolling-restart"};
  std::optional<milliseconds> began;
  milliseconds ended{0};
  std::vector<bool> resumed;
  for (int node = 1; node <= 3; ++node) {
    auto stop_began = run.at(load_clock::now());
    if (!began) began = stop_began;
    std::optional<milliseconds> after;
    milliseconds stopped_in{0};
    milliseconds up_at{0};
    {
      service_outage restart{service::kafka_node(node), outage_kind::stop};
      stopped_in = run.at(restart.down_since()) - stop_began;
      std::this_thread::sleep_until(restart.down_since() + down_for);
      restart.end();
      up_at = run.at(restart.up_again());
      after = run.first_created_after(up_at);
    }
    auto name = "node" + std::to_string(node);
    line.add(name + "_stop_ms", ms_of(stopped_in));
    line.add(name + "_cycle_ms", ms_of(up_at - stop_began));
    line.add(name + "_next_201_ms", after ? ms_of(*after - up_at) : -1);
    resumed.push_back(after.has_value());
    ended = up_at;
  }
  auto records = run.stop_load();
  auto window = tally_between(records, *began, ended);
  line.add("restart_ms", ms_of(ended - *began));
  line.add("window_201", static_cast<long long>(window.created));
  line.add("window_503", static_cast<long long>(window.unavailable));
  line.add("window_504", static_cast<long long>(window.timed_out));
  line.add("longest_without_201_ms",
           ms_of(longest_gap_between_201s(records, *began, ended)));
  run.conclude(records, line);

  for (size_t i = 0; i < resumed.size(); ++i) {
    INFO("after restarting kafka-" << i + 1);
    CHECK(resumed[i]);
  }
}
