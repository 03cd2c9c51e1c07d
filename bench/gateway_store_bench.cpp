// semiasync_gateway_store_bench: what the gateway store (issue 16) costs per
// request on the real MariaDB: N requests, each a keyed claim of a fresh
// Idempotency-Key and the record_reply of its answer, through
// db::mysql_gateway_store, from 1 thread and from 8 (one store, so one
// connection, per thread). Prints per-request latency (mean, p50, p99) of
// the pair and of each call, and throughput. Every row carries the route
// `bench-<uuid>` of this run and is deleted at the end.
//
// Usage: semiasync_gateway_store_bench [--requests=2000]
// Database: SEMIASYNC_TEST_DB_HOST (127.0.0.1), _PORT (3306), _USER (root),
// _PASSWORD (root), as the tests read them; database `app` (migrated).

#include "db/connection_settings.hpp"
#include "db/mysql_gateway_store.hpp"
#include "domain/error.hpp"
#include "domain/sha256.hpp"
#include "domain/uuid.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mysql++/mysql++.h>
#include <string>
#include <thread>
#include <vector>

#include "bench/histogram.hpp"
#include "tests/support/test_db.hpp"

namespace {

using namespace semiasync;
using clock_type = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "semiasync_gateway_store_bench: %s\n", what.c_str());
  std::exit(1);
}

uint64_t micros(clock_type::duration d) {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

/// Latencies of one thread, in microseconds.
struct samples {
  std::vector<uint64_t> pair;
  std::vector<uint64_t> claim;
  std::vector<uint64_t> reply;
};

/// Runs `count` claim + record_reply pairs on a store of its own.
samples run_pairs(const db::connection_settings& settings,
                  const std::string& route, uint64_t count,
                  const std::string& body_digest) {
  db::mysql_gateway_store store{settings};
  if (auto err = store.ping()) fail("ping: " + reason_of(err));
  samples result;
  result.pair.reserve(count);
  result.claim.reserve(count);
  result.reply.reserve(count);
  const stored_reply reply{"Deposited", R"({"id":"42","balance":100})"};
  for (uint64_t i = 0; i < count; ++i) {
    gateway_claim x{route,
                    random_uuid(),
                    body_digest,
                    request_id{random_uuid()},
                    std::chrono::system_clock::now(),
                    std::chrono::seconds{3600}};
    auto start = clock_type::now();
    auto claimed = store.claim(x);
    auto between = clock_type::now();
    if (!claimed) fail("claim: " + reason_of(claimed.error()));
    if (claimed->state != claim_state::claimed) fail("claim lost");
    auto recorded
      = store.record_reply(x.request, reply, std::chrono::system_clock::now());
    auto end = clock_type::now();
    if (!recorded) fail("record_reply: " + reason_of(recorded.error()));
    if (!*recorded) fail("record_reply ignored");
    result.pair.push_back(micros(end - start));
    result.claim.push_back(micros(between - start));
    result.reply.push_back(micros(end - between));
  }
  return result;
}

std::string summary(const char* what, const bench::histogram& h) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%s mean %.3f ms, p50 %.3f ms, p99 %.3f ms",
                what, h.mean() / 1000.0,
                static_cast<double>(h.percentile(50)) / 1000.0,
                static_cast<double>(h.percentile(99)) / 1000.0);
  return buf;
}

void run_phase(const db::connection_settings& settings,
               const std::string& route, uint64_t requests, size_t threads) {
  auto digest = sha256_hex("bench body");
  std::vector<samples> per_thread(threads);
  std::vector<std::thread> workers;
  auto start = clock_type::now();
  for (size_t t = 0; t < threads; ++t) {
    auto count = requests / threads + (t < requests % threads ? 1 : 0);
    workers.emplace_back([&, t, count] {
      per_thread[t] = run_pairs(settings, route, count, digest);
    });
  }
  for (auto& worker : workers)
    worker.join();
  auto secs = std::chrono::duration<double>(clock_type::now() - start).count();
  bench::histogram pair;
  bench::histogram claim;
  bench::histogram reply;
  for (auto& s : per_thread) {
    for (auto v : s.pair)
      pair.record(v);
    for (auto v : s.claim)
      claim.record(v);
    for (auto v : s.reply)
      reply.record(v);
  }
  std::printf("threads=%zu: %llu requests in %.3f s = %.0f requests/s "
              "(connections included)\n",
              threads, static_cast<unsigned long long>(pair.count()), secs,
              static_cast<double>(pair.count()) / secs);
  std::printf("  %s\n  %s\n  %s\n",
              summary("claim+record_reply:", pair).c_str(),
              summary("claim:             ", claim).c_str(),
              summary("record_reply:      ", reply).c_str());
}

/// Deletes this run's rows; returns how many.
uint64_t delete_rows(const db::connection_settings& s,
                     const std::string& route) {
  mysqlpp::Connection conn{true};
  conn.set_option(new mysqlpp::ProtocolOption(MYSQL_PROTOCOL_TCP));
  conn.connect(s.database.c_str(), s.host.c_str(), s.user.c_str(),
               s.password.c_str(), s.port);
  auto query = conn.query("DELETE FROM gateway_requests WHERE route = %0q");
  query.parse();
  return query.execute(route).rows();
}

} // namespace

int main(int argc, char** argv) {
  uint64_t requests = 2000;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const std::string flag = "--requests=";
    if (arg.compare(0, flag.size(), flag) == 0)
      requests = std::strtoull(arg.c_str() + flag.size(), nullptr, 10);
    else
      fail("unknown argument " + arg
           + " (usage: semiasync_gateway_store_bench [--requests=N])");
  }
  if (requests == 0) fail("--requests must be at least 1");
  auto settings = testing::test_db_settings();
  auto route = "bench-" + random_uuid();
  std::printf("gateway store on %s:%u, %llu requests per phase, each a keyed "
              "claim of a fresh key + record_reply (autocommit)\n",
              settings.host.c_str(), static_cast<unsigned>(settings.port),
              static_cast<unsigned long long>(requests));
  run_phase(settings, route, requests, 1);
  run_phase(settings, route, requests, 8);
  try {
    std::printf("deleted %llu rows\n",
                static_cast<unsigned long long>(delete_rows(settings, route)));
  } catch (const std::exception& e) {
    fail(std::string{"cleanup: "} + e.what());
  }
  return 0;
}
