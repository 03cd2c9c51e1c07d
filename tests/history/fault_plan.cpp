#include "tests/history/fault_plan.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/faults/service_control.hpp"
#include "tests/faults/summary.hpp"
#include "tests/history/broker_pause.hpp"
#include "tests/integration/pause_guard.hpp"

namespace semiasync::testing::history {

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

/// Sleeps `total` in small steps; false when `stop` was set meanwhile.
bool sleep_unless(const std::atomic<bool>& stop, milliseconds total) {
  auto until = std::chrono::steady_clock::now() + total;
  while (std::chrono::steady_clock::now() < until) {
    if (stop.load()) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

std::string target(const char* what, int i) {
  return std::string{what} + "-" + std::to_string(i);
}

class injector {
public:
  injector(deployment& d, recorder& log, const fault_settings& cfg,
           const std::atomic<bool>& stop)
    : d_(d),
      log_(log),
      cfg_(cfg),
      stop_(stop),
      rng_(cfg.seed ^ 0xfa017c0ffee5eedull) {
    // nop
  }

  void run() {
    auto order = cfg_.kinds;
    std::shuffle(order.begin(), order.end(), rng_);
    size_t next = 0;
    for (;;) {
      if (!sleep_unless(stop_, milliseconds{uniform(1000, 2500)})) return;
      if (log_.now_ms() > cfg_.last_start.count() || cfg_.kinds.empty()) return;
      auto kind = next < order.size()
                    ? order[next++]
                    : cfg_.kinds[static_cast<size_t>(
                      uniform(0, static_cast<int>(cfg_.kinds.size()) - 1))];
      apply(kind, milliseconds{uniform(1500, 3500)});
    }
  }

private:
  int uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>{lo, hi}(rng_);
  }

  void apply(const std::string& kind, milliseconds length) {
    fault_window w;
    w.kind = kind;
    w.start_ms = log_.now_ms();
    if (kind == "worker-pause") {
      // All workers, or one: with all paused nothing is decided, and
      // requests sharing a key pile up (issue 14, item 1).
      bool all = uniform(0, 1) == 0;
      int one = uniform(0, d_.workers() - 1);
      std::vector<std::unique_ptr<pause_guard>> paused;
      for (int i = 0; i < d_.workers(); ++i)
        if (all || i == one) {
          w.targets.push_back(target("worker", i));
          paused.push_back(std::make_unique<pause_guard>(d_.worker_pid(i)));
        }
      note("history: SIGSTOP " + std::to_string(paused.size())
           + " worker(s) for " + std::to_string(length.count()) + " ms");
      std::this_thread::sleep_for(length);
    } else if (kind == "worker-kill") {
      int i = uniform(0, d_.workers() - 1);
      w.targets.push_back(target("worker", i));
      d_.kill_and_restart_worker(i);
    } else if (kind == "broker-pause") {
      w.targets.push_back("broker");
      note("history: SIGSTOP the broker for " + std::to_string(length.count())
           + " ms");
      broker_pause frozen;
      std::this_thread::sleep_for(length);
      frozen.resume();
    } else if (kind == "db-stop") {
      w.targets.push_back("db");
      service_outage outage{service::db(), outage_kind::stop};
      std::this_thread::sleep_for(length);
      outage.end();
    } else if (kind == "server-restart") {
      int i = uniform(0, d_.servers() - 1);
      w.targets.push_back(target("server", i));
      d_.restart_server(i);
    } else {
      throw std::invalid_argument("unknown fault kind " + kind);
    }
    w.end_ms = log_.now_ms();
    note("history: " + kind + " healed after "
         + std::to_string(w.end_ms - w.start_ms) + " ms");
    log_.add(std::move(w));
  }

  deployment& d_;
  recorder& log_;
  const fault_settings& cfg_;
  const std::atomic<bool>& stop_;
  std::mt19937_64 rng_;
};

} // namespace

const std::vector<std::string>& all_fault_kinds() {
  static const std::vector<std::string> kinds{
    "worker-kill", "worker-pause", "broker-pause", "db-stop", "server-restart"};
  return kinds;
}

std::vector<std::string> fault_kinds_from_environment() {
  const char* text = std::getenv("SEMIASYNC_HISTORY_FAULTS");
  if (text == nullptr || *text == '\0') return all_fault_kinds();
  std::vector<std::string> result;
  std::istringstream in{text};
  std::string kind;
  while (std::getline(in, kind, ',')) {
    if (kind.empty() || kind == "none") continue;
    auto& all = all_fault_kinds();
    if (std::find(all.begin(), all.end(), kind) == all.end())
      throw std::invalid_argument("SEMIASYNC_HISTORY_FAULTS: unknown kind "
                                  + kind);
    result.push_back(kind);
  }
  return result;
}

std::string inject_faults(deployment& target, recorder& log,
                          const fault_settings& cfg,
                          const std::atomic<bool>& stop) {
  try {
    injector{target, log, cfg, stop}.run();
    return {};
  } catch (const std::exception& err) {
    return std::string{"fault thread: "} + err.what();
  } catch (...) {
    // Catch's FAIL inside a helper (e.g. a server that did not come back)
    // throws its own type.
    return "fault thread: a process did not come back:\n" + target.log_tails();
  }
}

} // namespace semiasync::testing::history
