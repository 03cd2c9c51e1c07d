// Scenario 6: a soak with a share of timeouts. The server runs with a short
// reply timeout and the worker is paused (SIGSTOP) for part of the run, so
// many requests end as 504 while their outcomes arrive later. Afterwards the
// registry must be empty again (the in-flight gauge is 0) and the server's
// memory must not have grown with the requests it forgot.

#include <catch2/catch.hpp>
#include <cmath>
#include <thread>

#include "tests/faults/audit.hpp"
#include "tests/faults/load.hpp"
#include "tests/integration/pause_guard.hpp"
#include "tests/faults/probes.hpp"
#include "tests/faults/rig.hpp"
#include "tests/faults/scale.hpp"
#include "tests/faults/summary.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

/// Short, so a pause produces many timeouts quickly.
constexpr auto reply_timeout = 1000ms;

/// Below the reply timeout, as the server's configuration requires.
constexpr auto produce_timeout = 800ms;

/// The gauge of requests waiting in the registry.
const std::string in_flight_gauge = "semiasync_requests_in_flight";

/// Growth of the server's resident memory that fails the test: generous,
/// since allocators keep freed memory and machines are noisy; a leak of a
/// few KiB per forgotten request over the soak still crosses it.
constexpr long rss_growth_limit_kib = 64 * 1024;

load_plan soak_plan(const fault_rig& rig) {
  auto plan = rig.plan_load();
  plan.clients = 4;
  plan.requests_per_second = 40;
  plan.client_timeout = reply_timeout + 4s;
  return plan;
}

/// Polls the gauge until it reads 0 or `timeout` passes; the last reading,
/// or nothing when the server does not export it.
std::optional<double> wait_for_empty_registry(uint16_t port,
                                              milliseconds timeout) {
  auto deadline = load_clock::now() + timeout;
  for (;;) {
    auto value = sample_value(scrape_metrics(port), in_flight_gauge);
    if (!value || *value == 0 || load_clock::now() >= deadline) return value;
    std::this_thread::sleep_for(200ms);
  }
}

} // namespace

TEST_CASE("a soak with paused worker and short reply timeout leaves an "
          "empty registry and flat memory",
          "[fault][timeout-soak]") {
  fault_rig rig{
    "soak",
    {{"--reply-timeout-ms=" + std::to_string(reply_timeout.count()),
      "--produce-timeout-ms=" + std::to_string(produce_timeout.count())},
     {}}};
  topic_capture outcomes{rig.topics().outcomes};
  const auto server_pid = rig.server().pid();
  const auto duration = scaled(24s, 180s);
  const int pauses = scaled(1, 6);
  const auto pause_length = 6s;

  // Warm-up: allocators, thread pools and librdkafka buffers reach their
  // working size before the baseline is taken.
  auto warm_plan = soak_plan(rig);
  warm_plan.duration = 30s;
  warm_plan.max_requests = 200;
  auto warm_records = load_run{warm_plan}.wait();
  auto rss_before = resident_kib(server_pid).value_or(-1);

  auto plan = soak_plan(rig);
  plan.duration = duration;
  load_run load{plan};
  // Pauses spread evenly over the run, each followed by normal service.
  for (int k = 0; k < pauses; ++k) {
    std::this_thread::sleep_until(load.start_time()
                                  + duration * (2 * k + 1) / (2 * pauses + 1));
    note("SIGSTOP worker pid " + std::to_string(rig.worker().pid()));
    pause_guard paused{rig.worker().pid()};
    std::this_thread::sleep_for(pause_length);
    paused.resume();
    note("SIGCONT worker");
  }
  auto records = load.wait();
  records.insert(records.end(), warm_records.begin(), warm_records.end());
  auto counts = tally(records);

  auto in_flight = wait_for_empty_registry(rig.port(), 10s);
  auto rss_after = resident_kib(server_pid).value_or(-1);
  auto rss_growth = rss_after - rss_before;

  // Requests that timed out were published: their users exist by now.
  auto [drained, audit] = audit_after_drain(records, rig.name_prefix(),
                                            outcomes, published_for_sure, 60s);

  summary line{"timeout-soak"};
  line.add(counts);
  add_to(line, audit);
  line.add("pauses", pauses);
  line.add("in_flight_after", in_flight
                                ? std::to_string(std::llround(*in_flight))
                                : std::string{"absent"});
  line.add("server_rss_before_kib", rss_before);
  line.add("server_rss_after_kib", rss_after);
  line.add("server_rss_growth_kib", rss_growth);
  WARN(line.publish());

  INFO(rig.log_tails());
  CHECK(rss_before > 0);
  CHECK(rss_after > 0);
  CHECK(rss_growth < rss_growth_limit_kib);
  // The soak only proves something if timeouts happened.
  CHECK(counts.timed_out > 0);
  check_answered(counts);
  check_delivery(audit);
  CHECK(rig.server().running());
  CHECK(rig.worker().running());
  if (!in_flight)
    FAIL("GET /metrics has no gauge "
         << in_flight_gauge
         << ": the server does not export the number of requests waiting in "
            "its registry yet, so an empty registry cannot be shown");
  CHECK(*in_flight == 0);
}
