// The history test (issue 14): seeded random clients drive two servers and
// two workers on the real stack while faults are injected; every request
// and answer is recorded; after a quiet period the checker replays the
// history against app.users, app.request_outcomes and the outcome topic,
// and every answer that was not true fails the test, printed with its
// record and the seed.
//
//   SEMIASYNC_HISTORY_SEED=<n>      replay a seed (printed at the start)
//   SEMIASYNC_HISTORY_SECONDS=<n>   run longer than the default 60 s
//   SEMIASYNC_HISTORY_FAULTS=a,b    only these fault kinds ("none": none)

#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "tests/faults/summary.hpp"
#include "tests/history/checker.hpp"
#include "tests/history/deployment.hpp"
#include "tests/history/fault_plan.hpp"
#include "tests/history/final_state_reader.hpp"
#include "tests/history/health_monitor.hpp"
#include "tests/history/history_json.hpp"
#include "tests/history/random_client.hpp"
#include "tests/history/recorder.hpp"

#ifndef SEMIASYNC_HISTORY_OUT_DIR
#  error "SEMIASYNC_HISTORY_OUT_DIR must name a directory for history files"
#endif

using namespace semiasync;
using namespace semiasync::testing;
using namespace semiasync::testing::history;
using namespace std::chrono_literals;

namespace {

/// Client threads: enough to collide, few enough for two shared cores.
constexpr int client_count = 6;

/// The default length of the clients' run; CI runs this.
constexpr int default_seconds = 60;

/// Violations printed in full (all are in the JSON file).
constexpr size_t printed_violations = 60;

uint64_t seed_from_environment() {
  if (const char* text = std::getenv("SEMIASYNC_HISTORY_SEED");
      text != nullptr && *text != '\0')
    return std::stoull(text);
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

int seconds_from_environment() {
  const char* text = std::getenv("SEMIASYNC_HISTORY_SECONDS");
  if (text == nullptr || *text == '\0') return default_seconds;
  return std::max(5, std::stoi(text));
}

std::string join(const std::vector<std::string>& parts) {
  std::string result;
  for (auto& part : parts)
    result += (result.empty() ? "" : ",") + part;
  return result;
}

/// Status counts of the create POSTs, and the unanswered ones.
std::map<std::string, long long> count_statuses(const run_history& h) {
  std::map<std::string, long long> counts;
  for (auto& x : h.exchanges) {
    if (!x.is_create()) continue;
    ++counts["posts"];
    ++counts[x.answered ? std::to_string(x.status) : "no_answer"];
  }
  return counts;
}

} // namespace

TEST_CASE("random clients under faults: every answer is true", "[history]") {
  const auto seed = seed_from_environment();
  const auto seconds = seconds_from_environment();
  const auto kinds = fault_kinds_from_environment();
  note("history seed " + std::to_string(seed)
       + " (replay: SEMIASYNC_HISTORY_SEED=" + std::to_string(seed) + "), "
       + std::to_string(seconds) + " s, faults "
       + (kinds.empty() ? "none" : join(kinds)));

  users_cleanup cleanup;
  deployment target{"hist", {}};
  topic_capture capture{target.outcome_topic()};
  const auto prefix = run_prefix() + "-hc-";
  recorder log{seed, prefix};
  health_monitor health{target, log};

  std::atomic<bool> stop_clients{false};
  std::atomic<bool> stop_faults{false};
  std::atomic<bool> faults_done{false};
  std::atomic<bool> release_faults{false};
  client_context ctx;
  ctx.seed = seed;
  ctx.prefix = prefix;
  ctx.target = &target;
  ctx.log = &log;
  ctx.stop = &stop_clients;
  std::vector<std::unique_ptr<random_client>> clients;
  std::vector<std::thread> threads;
  for (int i = 0; i < client_count; ++i) {
    clients.push_back(std::make_unique<random_client>(i, ctx));
    threads.emplace_back([c = clients.back().get()] {
      c->run();
    });
  }
  fault_settings faults;
  faults.seed = seed;
  faults.kinds = kinds;
  faults.last_start = std::chrono::seconds{seconds - 5};
  std::string fault_error;
  // Processes die with the thread that started them (child_process sets
  // PR_SET_PDEATHSIG, which follows the forking thread): the fault thread
  // restarts servers and workers, so it lives until the checker is done.
  std::thread fault_thread{[&] {
    fault_error = inject_faults(target, log, faults, stop_faults);
    faults_done = true;
    while (!release_faults.load())
      std::this_thread::sleep_for(50ms);
  }};
  struct releaser {
    std::atomic<bool>& stop;
    std::atomic<bool>& release;
    std::thread& thread;
    ~releaser() {
      stop = true;
      release = true;
      if (thread.joinable()) thread.join();
    }
  } release_on_exit{stop_faults, release_faults, fault_thread};

  std::this_thread::sleep_for(std::chrono::seconds{seconds});
  stop_clients = true;
  stop_faults = true;
  for (auto& t : threads)
    t.join();
  // The fault under way heals before the next step.
  while (!faults_done.load())
    std::this_thread::sleep_for(50ms);
  auto run_ms = log.now_ms();

  // Quiet period: every fault is healed; restarted processes get a moment,
  // then one more health round, then the workers drain.
  std::this_thread::sleep_for(3s);
  health.stop();
  health.probe_all();
  auto h = log.snapshot();
  auto drained = drain(capture, decisions_due(h), 3s, 60s);
  auto end = read_tables(prefix);
  end.outcomes = drained.outcomes;
  auto found = check_history(h, end);

  auto file = std::string{SEMIASYNC_HISTORY_OUT_DIR} + "/history-"
              + std::to_string(seed) + ".json";
  write_history_json(file, h, end, found);
  std::map<std::string, long long> by_rule;
  for (auto& v : found)
    ++by_rule[v.rule];
  std::string report;
  for (size_t i = 0; i < found.size() && i < printed_violations; ++i)
    report += describe(found[i], h) + "\n";
  if (found.size() > printed_violations)
    report += "... and " + std::to_string(found.size() - printed_violations)
              + " more in " + file + "\n";
  if (!report.empty()) std::cout << "history violations:\n" << report;

  size_t operations = 0;
  for (auto& c : clients)
    operations += c->operations();
  std::vector<std::string> fault_names;
  for (auto& f : h.faults)
    fault_names.push_back(f.kind);
  std::string rules;
  for (auto& [rule, n] : by_rule)
    rules += (rules.empty() ? "" : ",") + rule + ":" + std::to_string(n);
  summary line{"history"};
  line.add("seed", std::to_string(seed))
    .add("run_ms", run_ms)
    .add("operations", static_cast<long long>(operations))
    .add("exchanges", static_cast<long long>(h.exchanges.size()))
    .add("faults", static_cast<long long>(h.faults.size()))
    .add("fault_kinds", join(fault_names));
  for (auto& [status, n] : count_statuses(h))
    line.add(status, n);
  line.add("rows", static_cast<long long>(end.users.size()))
    .add("outcomes", static_cast<long long>(end.outcomes.size()))
    .add("drain_ms", ms_of(drained.waited))
    .add("violations", static_cast<long long>(found.size()))
    .add("rules", rules.empty() ? "none" : rules);
  WARN(line.publish());

  INFO("seed " << seed << "; history in " << file);
  INFO(report);
  INFO(fault_error);
  REQUIRE(fault_error.empty());
  CHECK(h.exchanges.size() > 100);
  CHECK(found.empty());
}
