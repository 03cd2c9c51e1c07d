// Scale-out on the real stack: several server instances behind a
// round-robin client and several workers in one group, on topics with 12
// partitions. Every request must get its real answer from the instance it
// went to, and every user must be in the database exactly once, also
// while a worker is killed and another joins.

#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <thread>

#include "tests/scale/load.hpp"
#include "tests/scale/topology.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

constexpr int partitions = 12;

/// Every name of `report` is in app.users exactly once, and nothing else
/// under `label`.
void check_each_user_once(const load_report& report, const std::string& label) {
  auto rows = users_with_prefix(run_prefix() + "-" + label + "-");
  std::map<std::string, int> seen;
  for (auto& row : rows)
    ++seen[row.name.value];
  size_t missing = 0;
  size_t doubled = 0;
  for (auto& r : report.results) {
    auto n = seen[r.name];
    if (n == 0) ++missing;
    if (n > 1) ++doubled;
  }
  INFO(rows.size() << " rows for " << report.results.size() << " requests");
  CHECK(missing == 0);
  CHECK(doubled == 0);
  CHECK(rows.size() == report.results.size());
}

std::vector<uint16_t> ports_of(const std::vector<server_instance>& servers) {
  std::vector<uint16_t> ports;
  for (auto& s : servers)
    ports.push_back(s.port);
  return ports;
}

/// Each instance's read/matched since `before`, one line per instance.
std::string fanin_lines(const std::vector<server_instance>& servers,
                        const std::vector<fanin_counters>& before) {
  std::ostringstream out;
  for (size_t i = 0; i < servers.size(); ++i) {
    auto d = scrape_fanin(servers[i].port).since(before[i]);
    out << "  instance " << i << ": read " << d.read << ", matched "
        << d.matched << ", ignored " << d.ignored << "\n";
  }
  return out.str();
}

std::vector<fanin_counters>
scrape_all(const std::vector<server_instance>& servers) {
  std::vector<fanin_counters> result;
  for (auto& s : servers)
    result.push_back(scrape_fanin(s.port));
  return result;
}

} // namespace

TEST_CASE("three steered servers and two workers answer every request "
          "round-robin, and each user exists once",
          "[scale]") {
  users_cleanup cleanup;
  scale_topics topics{"three-by-two", partitions};
  std::vector<server_instance> servers;
  // Partitions derived from the instance IDs: collisions would only cost
  // fan-in, never an answer.
  for (int i = 0; i < 3; ++i)
    servers.push_back(start_scale_server(
      topics, {"steered", run_prefix() + "-three-by-two-" + std::to_string(i),
               "", 5s}));
  auto first = start_scale_worker(topics);
  auto second = start_scale_worker(topics);
  auto ports = ports_of(servers);
  warm_up(ports, "three-by-two-warm");
  auto before = scrape_all(servers);

  auto report = run_load({ports, 600, 6, 60.0, "three-by-two-load"});
  auto fanin = fanin_lines(servers, before);
  append_results("scale-out, 3 steered servers x 2 workers, 12 partitions: "
                 + report.summary() + "\n" + fanin);
  INFO(report.summary() << "\n" << fanin);
  CHECK(report.count(201) == 600);
  CHECK(report.count(504) == 0);
  CHECK(report.count(0) == 0);
  check_each_user_once(report, "three-by-two-load");
  CHECK(first->running());
  CHECK(second->running());
}

TEST_CASE("a worker killed mid-run and another started: nothing lost, no "
          "timeout, normal latency after the rebalance window",
          "[scale]") {
  // The rebalance window: a killed member's partitions move once its
  // session expires. Requests started in [kill, kill + session + margin]
  // may wait that long, so their deadline is 30 s; every one must still
  // get its 201, and requests after the window must be quick again.
  constexpr auto session = 6s;
  constexpr auto margin = 10s;
  constexpr auto normal_latency = 5s;
  users_cleanup cleanup;
  scale_topics topics{"worker-swap", partitions};
  std::vector<server_instance> servers;
  for (int i = 0; i < 3; ++i)
    servers.push_back(start_scale_server(
      topics, {"steered", "", every_nth_partition(i, 3, partitions), 30s}));
  std::vector<std::unique_ptr<child_process>> workers;
  workers.push_back(start_scale_worker(topics, session));
  workers.push_back(start_scale_worker(topics, session));
  auto ports = ports_of(servers);
  warm_up(ports, "worker-swap-warm");

  load_plan plan{ports, 600, 16, 20.0, "worker-swap-load", 45s};
  load_report report;
  auto started = clock_type::now();
  std::thread load{[&] {
    report = run_load(plan);
  }};
  std::this_thread::sleep_for(5s);
  workers.front()->kill9();
  auto killed_at = std::chrono::duration_cast<std::chrono::milliseconds>(
    clock_type::now() - started);
  std::this_thread::sleep_for(1s);
  workers.push_back(start_scale_worker(topics, session));
  load.join();

  auto window_end = killed_at + session + margin;
  size_t in_window = 0;
  size_t slow_after = 0;
  std::chrono::milliseconds slowest_in_window{0};
  for (auto& r : report.results) {
    if (r.started >= killed_at && r.started <= window_end) {
      ++in_window;
      slowest_in_window = std::max(slowest_in_window, r.latency);
    } else if (r.started > window_end && r.latency > normal_latency) {
      ++slow_after;
    }
  }
  std::ostringstream note;
  note << "worker swap (kill -9 at " << killed_at.count() << " ms, session "
       << session.count() << " s): " << report.summary() << "; " << in_window
       << " requests in the window, slowest " << slowest_in_window.count()
       << " ms\n";
  append_results(note.str());
  INFO(note.str());
  CHECK(report.count(201) == plan.requests);
  CHECK(report.count(504) == 0);
  CHECK(report.count(0) == 0);
  CHECK(slow_after == 0);
  // The load outlasted the window, so "after" was really measured.
  CHECK(report.results.back().started > window_end);
  check_each_user_once(report, "worker-swap-load");
}
