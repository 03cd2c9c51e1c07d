// Scenario 7 (issue 14, items 6 and 13): GET /users/<uuid> and
// GET /requests/<id> floods while the database is out. The lookups share
// one reader with one database connection, so they must be admitted
// against a bound (beyond it: 503 + Retry-After at once), every one must be
// answered within the server's read timeout, the server's memory must not
// grow with the GET rate, /healthz must keep answering, and once the
// database is back reads must work again at once: lookups whose askers gave
// up are dropped, not worked off.
//
// Two kinds of outage. MariaDB stopped (the suite's service_outage): every
// connect is refused in microseconds, so lookups fail fast; /readyz must
// say in words what is wrong (item 13). The database unreachable (a
// tcp_valve between the server and MariaDB turned into a black hole):
// every attempt waits for its 3 s timeout, the case in which the reader's
// queue grows with the GET rate unless it is bounded and stale lookups are
// dropped.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/faults/lookup_flood.hpp"
#include "tests/faults/probes.hpp"
#include "tests/faults/rig.hpp"
#include "tests/faults/service_control.hpp"
#include "tests/faults/summary.hpp"
#include "tests/faults/tcp_valve.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/pipeline.hpp"
#include "tests/integration/stack.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {

/// The server's wait for the database per lookup (read_timeout in
/// http/server.cpp); no lookup may be answered later than this plus slack.
constexpr auto server_read_timeout = 5000ms;

/// Scheduling slack on a loaded 2-core machine.
constexpr auto answer_slack = 3000ms;

/// GETs started together in each wave: well above the server's bound of
/// lookups waiting at once (max_lookups in http/server.cpp, 256).
constexpr size_t wave_size = 600;

/// Growth of the server's resident memory over an outage that fails the
/// test. Bounded lookups leave at most a few hundred requests waiting, plus
/// a wave's connections answered at once: a few MiB. Lookups queued with
/// the GET rate (each holding its connection for the read timeout) cost
/// tens of MiB in this test, and without bound in a long outage.
constexpr long rss_growth_limit_kib = 24 * 1024;

/// /readyz refreshes its verdict every second; a check against an
/// unreachable database takes its 3 s timeout.
constexpr auto readiness_timeout = 15s;

/// Reads must work again this soon after the database is back.
constexpr auto recovery_timeout = 15s;

/// Reads count as recovered at once within this: the reader has at most
/// the bounded queue (256 lookups of a millisecond or so) to get through,
/// and drops what is stale. Working off every lookup queued during the
/// outage takes longer the longer the outage was.
constexpr auto quick_recovery = 1000ms;

/// The detail of the 503 for a lookup beyond the bound.
constexpr const char* too_many_detail
  = "too many lookups are waiting for the database";

/// The `reason` of a /readyz answer, or its whole body when it has none.
std::string readiness_reason(const http_response& resp) {
  auto doc = nlohmann::json::parse(resp.body, nullptr, false);
  if (doc.is_object() && doc.contains("reason") && doc["reason"].is_string())
    return doc["reason"].get<std::string>();
  return resp.body;
}

/// Polls /readyz until it is 503 with a reason containing `words`; the
/// last answer either way (status 0 when none came).
http_response wait_for_not_ready(uint16_t port, const std::string& words) {
  http_response last;
  auto deadline = load_clock::now() + readiness_timeout;
  while (load_clock::now() < deadline) {
    if (auto resp = try_http_send(port, {"GET", "/readyz", {}, {}}, 2s)) {
      last = *resp;
      if (resp->status == 503
          && readiness_reason(*resp).find(words) != std::string::npos)
        break;
    }
    std::this_thread::sleep_for(200ms);
  }
  return last;
}

/// True when `reason` explains its errno in words ("errno 2002: cannot
/// reach ..."), not a bare "(errno 2002)".
bool explains_errno(const std::string& reason) {
  auto at = reason.find("errno ");
  if (at == std::string::npos) return false;
  auto end = reason.find_first_not_of("0123456789", at + 6);
  return end != std::string::npos && end > at + 6
         && reason.compare(end, 2, ": ") == 0 && end + 2 < reason.size()
         && std::isalpha(static_cast<unsigned char>(reason[end + 2]));
}

/// The status of GET `path`, or 0 when no answer came within 2 s.
int status_of_get(uint16_t port, const std::string& path) {
  auto resp = try_http_send(port, {"GET", path, {}, {}}, 2s);
  return resp ? resp->status : 0;
}

/// While it lives, a thread asks /healthz every 100 ms and samples the
/// server's resident memory every 50 ms, keeping the worst of each.
class outage_watch {
public:
  outage_watch(uint16_t port, pid_t server)
    : thread_([this, port, server] {
        run(port, server);
      }) {}

  ~outage_watch() {
    stop_ = true;
    thread_.join();
  }

  outage_watch(const outage_watch&) = delete;
  outage_watch& operator=(const outage_watch&) = delete;

  /// The highest VmRSS seen, in KiB.
  std::atomic<long> peak_rss_kib{0};
  /// /healthz requests made.
  std::atomic<long> health_probes{0};
  /// /healthz requests not answered 200 within 2 s.
  std::atomic<long> health_failures{0};
  /// The slowest /healthz answer, in ms.
  std::atomic<long> slowest_health_ms{0};

private:
  void run(uint16_t port, pid_t server) {
    auto next_health = load_clock::now();
    while (!stop_) {
      if (auto rss = resident_kib(server); rss && *rss > peak_rss_kib)
        peak_rss_kib = *rss;
      if (load_clock::now() >= next_health) {
        next_health = load_clock::now() + 100ms;
        auto begin = load_clock::now();
        auto resp = try_http_send(port, {"GET", "/healthz", {}, {}}, 2s);
        auto took = duration_cast<milliseconds>(load_clock::now() - begin);
        ++health_probes;
        if (!resp || resp->status != 200) ++health_failures;
        if (took.count() > slowest_health_ms) slowest_health_ms = took.count();
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// A user and a request the database knows: reading them back (200) after
/// the outage is what "reads work again" means.
struct known_ids {
  std::string user_path;
  std::string request_path;
};

known_ids create_known(fault_rig& rig) {
  auto name = unique_name(rig.load_label());
  auto created
    = http_send(rig.port(), json_post("/users", name_body(name)), 15s);
  REQUIRE(created.status == 201);
  known_ids ids{
    "/users/"
      + nlohmann::json::parse(created.body).at("uuid").get<std::string>(),
    "/requests/" + created.header("X-Request-Id").value_or("")};
  REQUIRE(status_of_get(rig.port(), ids.user_path) == 200);
  REQUIRE(status_of_get(rig.port(), ids.request_path) == 200);
  return ids;
}

/// What an outage showed.
struct outage_figures {
  size_t sent = 0;
  size_t unanswered = 0;
  size_t not_503 = 0;
  size_t not_problem = 0;
  size_t no_retry_after = 0;
  size_t too_many = 0;
  milliseconds slowest{0};
  /// The first GET breaking a rule, for the failure message.
  std::string first_bad;
  long rss_before_kib = -1;
  long rss_peak_kib = -1;
  long health_probes = 0;
  long health_failures = 0;
  long slowest_health_ms = 0;
  /// From the database's return to the first 200 for the known user.
  milliseconds first_good{-1};
  /// ... to the known user and request 200 and an unknown ID 404.
  milliseconds all_good{-1};
};

void count_into(outage_figures& f, const std::vector<lookup_record>& records) {
  for (auto& rec : records) {
    ++f.sent;
    f.slowest = std::max(f.slowest, rec.latency);
    bool bad = true;
    if (rec.fate != request_fate::answered)
      ++f.unanswered;
    else if (rec.status != 503)
      ++f.not_503;
    else if (rec.content_type != "application/problem+json")
      ++f.not_problem;
    else if (!rec.retry_after)
      ++f.no_retry_after;
    else
      bad = false;
    if (rec.body.find(too_many_detail) != std::string::npos) ++f.too_many;
    if (bad && f.first_bad.empty())
      f.first_bad = rec.path + ": " + to_string(rec.fate) + " "
                    + std::to_string(rec.status) + " " + rec.content_type
                    + " after " + std::to_string(rec.latency.count()) + " ms "
                    + rec.error + " " + rec.body;
  }
}

/// `waves` waves of unknown-ID GETs, one a second, while a watch keeps an
/// eye on /healthz and the server's memory.
void flood(fault_rig& rig, size_t waves, outage_figures& f) {
  f.rss_before_kib = resident_kib(rig.server().pid()).value_or(-1);
  outage_watch watch{rig.port(), rig.server().pid()};
  note("flood: " + std::to_string(waves) + " waves of "
       + std::to_string(wave_size) + " GETs of unknown IDs, 1 s apart");
  flood_plan plan;
  plan.port = rig.port();
  plan.paths = unknown_lookup_paths(waves * wave_size);
  plan.wave_size = wave_size;
  plan.wave_interval = 1s;
  plan.timeout = server_read_timeout + answer_slack;
  count_into(f, flood_lookups(plan));
  f.rss_peak_kib = watch.peak_rss_kib;
  f.health_probes = watch.health_probes;
  f.health_failures = watch.health_failures;
  f.slowest_health_ms = watch.slowest_health_ms;
}

/// Polls reads from `up_again` on until they work or `recovery_timeout`
/// passed.
void measure_recovery(uint16_t port, const known_ids& ids,
                      load_clock::time_point up_again, outage_figures& f) {
  note("database back; polling reads");
  auto since_up = [up_again] {
    return duration_cast<milliseconds>(load_clock::now() - up_again);
  };
  while (load_clock::now() < up_again + recovery_timeout) {
    auto user = status_of_get(port, ids.user_path);
    if (user == 200 && f.first_good.count() < 0) f.first_good = since_up();
    if (user == 200 && status_of_get(port, ids.request_path) == 200
        && status_of_get(port, unknown_lookup_paths(1).front()) == 404) {
      f.all_good = since_up();
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
}

void publish(const std::string& scenario, const outage_figures& f) {
  summary line{scenario};
  line.add("gets", static_cast<long long>(f.sent));
  line.add("unanswered", static_cast<long long>(f.unanswered));
  line.add("not_503", static_cast<long long>(f.not_503));
  line.add("too_many", static_cast<long long>(f.too_many));
  line.add("slowest_ms", ms_of(f.slowest));
  line.add("rss_before_kib", f.rss_before_kib);
  line.add("rss_peak_kib", f.rss_peak_kib);
  line.add("healthz", f.health_probes);
  line.add("healthz_failed", f.health_failures);
  line.add("healthz_slowest_ms", f.slowest_health_ms);
  line.add("first_200_ms", ms_of(f.first_good));
  line.add("recovery_ms", ms_of(f.all_good));
  WARN(line.publish());
}

/// What every outage must show, whatever its kind.
void check_lookups(fault_rig& rig, size_t waves, const outage_figures& f) {
  INFO(rig.log_tails());
  INFO("first bad answer: " << f.first_bad);
  CHECK(f.sent == waves * wave_size);
  // Every lookup answered, in time, as a retryable problem.
  CHECK(f.unanswered == 0);
  CHECK(f.slowest <= server_read_timeout + answer_slack);
  CHECK(f.not_503 == 0);
  CHECK(f.not_problem == 0);
  CHECK(f.no_retry_after == 0);
  // More than the bound arrived at once: some were turned away at the door.
  CHECK(f.too_many > 0);
  // The server stayed alive, reachable and small.
  CHECK(rig.server().running());
  CHECK(f.health_probes > 0);
  CHECK(f.health_failures == 0);
  CHECK(f.rss_before_kib > 0);
  CHECK(f.rss_peak_kib - f.rss_before_kib <= rss_growth_limit_kib);
  // Reads work again, at once.
  CHECK(f.first_good.count() >= 0);
  CHECK(f.all_good.count() >= 0);
  CHECK(f.all_good <= quick_recovery);
}

} // namespace

TEST_CASE("lookups while the database is stopped are bounded and answered "
          "at once, and /readyz says what is wrong in words",
          "[fault][lookup-outage]") {
  constexpr size_t waves = 3;
  fault_rig rig{"lookstop"};
  auto ids = create_known(rig);
  outage_figures figures;
  http_response readiness;
  {
    service_outage outage{service::db(), outage_kind::stop};
    // The first failed check may be the old session's ("lost the
    // connection"); the steady one is the refused connect.
    readiness = wait_for_not_ready(rig.port(), "connect failed");
    flood(rig, waves, figures);
    outage.end();
    measure_recovery(rig.port(), ids, outage.up_again(), figures);
  }
  publish("lookup-db-stopped", figures);
  auto reason = readiness_reason(readiness);
  WARN("readyz while stopped: " << readiness.status << " " << reason);

  check_lookups(rig, waves, figures);
  // /readyz names the database and says in words what the errno means.
  CHECK(readiness.status == 503);
  CHECK(reason.find("database") != std::string::npos);
  CHECK(explains_errno(reason));
  CHECK((reason.find("cannot reach") != std::string::npos
         || reason.find("cannot connect") != std::string::npos));
}

TEST_CASE("lookups while the database is unreachable are bounded, answered "
          "within the read timeout, and dropped when stale",
          "[fault][lookup-outage]") {
  constexpr size_t waves = 8;
  tcp_valve valve{stack().db_port};
  rig_options opts;
  opts.server_flags
    = {"--db-host=127.0.0.1", "--db-port=" + std::to_string(valve.port())};
  fault_rig rig{"lookhole", opts};
  auto ids = create_known(rig);
  outage_figures figures;
  note("database unreachable: the server's relay to it is a black hole");
  valve.black_hole();
  auto readiness = wait_for_not_ready(rig.port(), "database");
  flood(rig, waves, figures);
  valve.reopen();
  measure_recovery(rig.port(), ids, load_clock::now(), figures);
  publish("lookup-db-unreachable", figures);
  WARN("readyz while unreachable: " << readiness.status << " "
                                    << readiness_reason(readiness));

  check_lookups(rig, waves, figures);
  CHECK(readiness.status == 503);
  CHECK(readiness_reason(readiness).find("database") != std::string::npos);
  CHECK(explains_errno(readiness_reason(readiness)));
}
