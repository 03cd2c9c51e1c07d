// The fan-in of reply reading, measured: for 1, 2 and 3 server instances,
// with broadcast (every instance reads every outcome) and with steering
// (each reads the partitions it owns), how many outcomes each instance read
// against how many it matched, and the throughput. Printed and appended to
// build/tests/scale/fanin.txt. Also: a broadcast instance takes up
// partitions the outcome topic gains.

#include "kafka/wire_codec.hpp"

#include <catch2/catch.hpp>
#include <iomanip>
#include <iostream>
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
constexpr size_t requests = 600;
constexpr size_t client_threads = 8;

/// One configuration's figures.
struct fanin_row {
  std::string mode;
  int instances = 0;
  std::vector<fanin_counters> per_instance;
  load_report report;

  double ratio(size_t i) const {
    auto& c = per_instance[i];
    return c.read > 0 ? c.matched / c.read : 0.0;
  }

  double read_total() const {
    double sum = 0;
    for (auto& c : per_instance)
      sum += c.read;
    return sum;
  }
};

/// Runs the load through `n` fresh instances in `mode`, against workers
/// already running on `topics`.
fanin_row measure(const scale_topics& topics, const std::string& mode, int n) {
  std::vector<server_instance> servers;
  std::vector<uint16_t> ports;
  for (int i = 0; i < n; ++i) {
    server_options opts{mode, "", "", 5s};
    // Distinct partitions, covering the topic: steering's best case.
    if (mode == "steered")
      opts.reply_partitions = every_nth_partition(i, n, partitions);
    servers.push_back(start_scale_server(topics, opts));
    ports.push_back(servers.back().port);
  }
  warm_up(ports, "fanin-warm", 6);
  // Untimed: connections, pools and caches of every process warm, so the
  // first configuration is not charged for starting the stack.
  run_load({ports, 120, client_threads, 0, "fanin-preload"});
  // Broadcast instances may still be reading the warm-up's outcomes.
  std::this_thread::sleep_for(1s);
  std::vector<fanin_counters> before;
  for (auto port : ports)
    before.push_back(scrape_fanin(port));
  fanin_row row{
    mode, n, {}, run_load({ports, requests, client_threads, 0, "fanin-load"})};
  // Every outcome is read by then, except by broadcast instances that
  // answered none of them: give those a moment to catch up.
  auto expected = [&](const fanin_counters& d) {
    return mode == "broadcast" ? d.read >= requests : true;
  };
  auto deadline = clock_type::now() + 10s;
  for (;;) {
    row.per_instance.clear();
    bool settled = true;
    for (size_t i = 0; i < ports.size(); ++i) {
      row.per_instance.push_back(scrape_fanin(ports[i]).since(before[i]));
      settled = settled && expected(row.per_instance.back());
    }
    if (settled || clock_type::now() >= deadline) break;
    std::this_thread::sleep_for(200ms);
  }
  return row;
}

std::string table(const std::vector<fanin_row>& rows) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2);
  out << "fan-in, " << requests << " requests per configuration, "
      << client_threads << " client threads (closed loop), " << partitions
      << " partitions, 2 workers\n";
  out << "mode       instances  per instance read/matched (ratio)"
         "                       req/s  p50 ms  p99 ms\n";
  for (auto& row : rows) {
    std::ostringstream cells;
    cells << std::fixed << std::setprecision(2);
    for (size_t i = 0; i < row.per_instance.size(); ++i)
      cells << (i ? "  " : "") << static_cast<int64_t>(row.per_instance[i].read)
            << "/" << static_cast<int64_t>(row.per_instance[i].matched) << " ("
            << row.ratio(i) << ")";
    out << std::left << std::setw(11) << row.mode << std::setw(11)
        << row.instances << std::setw(56) << cells.str() << std::right
        << std::setw(6) << std::setprecision(1) << row.report.per_second()
        << std::setw(9) << row.report.latency_quantile(0.5).count()
        << std::setw(8) << row.report.latency_quantile(0.99).count() << "\n"
        << std::setprecision(2);
  }
  return out.str();
}

} // namespace

TEST_CASE("fan-in: broadcast instances read every outcome, steered "
          "instances only their own",
          "[scale][fanin]") {
  users_cleanup cleanup;
  scale_topics topics{"fanin", partitions};
  auto first = start_scale_worker(topics);
  auto second = start_scale_worker(topics);
  std::vector<fanin_row> rows;
  // Modes alternate, so a machine that warms up or slows down over the run
  // shifts both alike.
  for (int n = 1; n <= 3; ++n)
    for (auto mode : {"broadcast", "steered"})
      rows.push_back(measure(topics, mode, n));
  auto text = table(rows);
  std::cout << text << std::flush;
  append_results(text);
  INFO(text);
  for (auto& row : rows) {
    INFO(row.mode << " x " << row.instances);
    CHECK(row.report.count(201) == requests);
    double matched = 0;
    for (auto& c : row.per_instance)
      matched += c.matched;
    CHECK(matched == requests);
    for (size_t i = 0; i < row.per_instance.size(); ++i) {
      if (row.mode == "broadcast") {
        // Every instance reads every outcome: its work grows with n.
        CHECK(row.per_instance[i].read >= requests);
      } else {
        // Distinct partitions: an instance reads exactly its own replies.
        CHECK(row.per_instance[i].read == row.per_instance[i].matched);
      }
    }
    if (row.mode == "steered") CHECK(row.read_total() == requests);
  }
  auto& broadcast3 = rows[4];
  auto& steered3 = rows[5];
  for (size_t i = 0; i < 3; ++i)
    CHECK(steered3.ratio(i) > broadcast3.ratio(i));
}

TEST_CASE("a broadcast server takes up partitions the outcome topic gains, "
          "while a steered one keeps to its own",
          "[scale][partitions]") {
  scale_topics topics{"growth", 2};
  auto broadcast = start_scale_server(topics, {"broadcast", "", "", 5s});
  auto steered = start_scale_server(topics, {"steered", "", "0", 5s});
  auto broadcast_before = scrape_fanin(broadcast.port);
  auto steered_before = scrape_fanin(steered.port);
  add_partitions(topics.outcomes, 4);
  // An outcome nobody waits for, on a partition the servers did not know
  // at start-up.
  outcome late = user_created{
    request_id{"00000000-0000-4000-8000-00000000abcd"},
    user_uuid{"00000000-0000-4000-8000-00000000dcba"}, user_name{"grown"}};
  produce({topics.outcomes, encode_outcome(late), 3});
  // The broadcast server looks every 5 s and reads new partitions from
  // their beginning, so the record is read even if it came first.
  auto deadline = clock_type::now() + 20s;
  double read = 0;
  while (clock_type::now() < deadline) {
    read = scrape_fanin(broadcast.port).since(broadcast_before).read;
    if (read >= 1) break;
    std::this_thread::sleep_for(250ms);
  }
  CHECK(read == 1);
  CHECK(scrape_fanin(steered.port).since(steered_before).read == 0);
  CHECK(broadcast.process->log_text().find("now also reading 2,3")
        != std::string::npos);
}
