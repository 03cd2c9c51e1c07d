// Scenario 5: the server gets SIGTERM during load, as a deployment stops
// it. Requests it already took must get their real answers, new ones 503
// while it drains, and it must exit 0 within the reply timeout plus a
// little. The worker is frozen for a moment around the signal, so that
// requests really are waiting for outcomes when it arrives: a healthy
// pipeline answers in milliseconds and the drain would have nothing to do.

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <thread>

#include "tests/faults/audit.hpp"
#include "tests/faults/load.hpp"
#include "tests/integration/pause_guard.hpp"
#include "tests/faults/rig.hpp"
#include "tests/faults/scale.hpp"
#include "tests/faults/summary.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/pipeline.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

/// The server's reply timeout (its default): draining ends by then.
constexpr auto reply_timeout = 5000ms;

/// Exit must follow the drain within this: the producer's flush and the
/// actor system's shutdown.
constexpr auto exit_margin = 4s;
/// How long before the detected exit a closed connection counts as cut by the
/// exit itself (stop, actor shutdown and the producer flush come in between).
constexpr auto exit_window = 2s;

/// How long the worker is frozen before and after SIGTERM; together well
/// below the reply timeout, so the waiting requests get real answers.
constexpr auto frozen_before = 1s;
constexpr auto frozen_after = 1500ms;

} // namespace

TEST_CASE("a server stopped with SIGTERM during load answers every request "
          "and exits 0",
          "[fault][server-shutdown]") {
  fault_rig rig{"shutdown"};
  topic_capture outcomes{rig.topics().outcomes};
  const auto steady = scaled(4s, 20s);

  auto plan = rig.plan_load();
  plan.clients = 6;
  plan.requests_per_second = 40;
  // Requests keep coming while it drains and after it is gone.
  plan.duration = steady + frozen_before + reply_timeout + exit_margin;
  plan.client_timeout = reply_timeout + 3s;
  load_run load{plan};
  std::this_thread::sleep_for(steady);

  auto& server = rig.server();
  std::optional<http_response> probe;
  load_clock::time_point term_time;
  {
    note("SIGSTOP worker pid " + std::to_string(rig.worker().pid()));
    pause_guard frozen{rig.worker().pid()};
    std::this_thread::sleep_for(frozen_before);
    note("SIGTERM to server pid " + std::to_string(server.pid()));
    term_time = load_clock::now();
    ::kill(server.pid(), SIGTERM);
    // A new request while it drains: refused politely, not taken.
    std::this_thread::sleep_for(300ms);
    probe = try_http_send(
      rig.port(), json_post("/users", name_body(unique_name("drain-probe"))),
      2s);
    std::this_thread::sleep_until(term_time + frozen_after);
    frozen.resume();
    note("SIGCONT worker");
  }
  auto term_at = load.offset_of(term_time);
  auto exit_deadline = term_time + reply_timeout + exit_margin;
  while (server.running() && load_clock::now() < exit_deadline)
    std::this_thread::sleep_for(20ms);
  auto exited_in
    = std::chrono::duration_cast<milliseconds>(load_clock::now() - term_time);
  bool exited = !server.running();
  if (!exited) server.kill9();
  auto exit_status = server.describe_status();
  bool clean_exit
    = exited && WIFEXITED(server.status()) && WEXITSTATUS(server.status()) == 0;

  auto records = load.wait();
  auto counts = tally(records);
  // Waiting when the signal came: started before, answered after.
  size_t waiting = 0;
  size_t waiting_answered = 0;
  size_t refused_before = 0;
  // A connection the exiting process closes in its last moment (a request
  // still arriving when the listener goes) ends like a refused one; any
  // other unanswered request is a failure.
  auto exit_at = load.offset_of(term_time + exited_in);
  size_t dropped_before_exit = 0;
  for (auto& rec : records)
    if (rec.fate == request_fate::dropped
        && rec.started + rec.latency + exit_window < exit_at)
      ++dropped_before_exit;
  for (auto& rec : records) {
    if (rec.started >= term_at) continue;
    if (rec.fate == request_fate::refused) ++refused_before;
    if (rec.started + rec.latency <= term_at) continue;
    ++waiting;
    if (rec.fate == request_fate::answered && rec.status == 201)
      ++waiting_answered;
  }

  auto [drained, audit] = audit_after_drain(records, rig.name_prefix(),
                                            outcomes, published_for_sure, 60s);

  summary line{"server-shutdown"};
  line.add(counts);
  add_to(line, audit);
  line.add("waiting_at_sigterm", static_cast<long long>(waiting));
  line.add("waiting_answered_201", static_cast<long long>(waiting_answered));
  line.add("drain_probe", probe ? std::to_string(probe->status) : "no answer");
  line.add("exit_ms", ms_of(exited_in));
  line.add("dropped_before_exit", static_cast<long long>(dropped_before_exit));
  line.add("exit", exit_status);
  WARN(line.publish());

  INFO(rig.log_tails());
  CHECK(exited);
  CHECK(clean_exit);
  CHECK(waiting > 0);
  CHECK(waiting_answered == waiting);
  REQUIRE(probe.has_value());
  CHECK(probe->status == 503);
  CHECK(probe->header("Retry-After").has_value());
  CHECK(counts.created > 0);
  CHECK(counts.hangs == 0);
  CHECK(dropped_before_exit == 0);
  CHECK(counts.timed_out == 0);
  CHECK(counts.other_status == 0);
  CHECK(refused_before == 0);
  check_delivery(audit);
  for (auto& rec : records)
    if (rec.fate == request_fate::answered && rec.status == 503) {
      INFO("503 for " << rec.name);
      CHECK(rec.retry_after);
    }
}
