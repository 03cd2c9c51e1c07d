// semiasync_db_floor: what the database side of a create costs, one
// connection, on the `users` table the worker writes:
//
//  - single: db::mysql_user_repository::insert, one autocommitted INSERT per
//    user (one redo-log flush each with the server's defaults);
//  - create_user: the worker's whole decision for a fresh name (domain
//    create_user: lookup by name, duplicate lookup, insert) through the same
//    repository: the per-record database cost of today's worker;
//  - batched: multi-row INSERTs of --batch rows through mysql++ directly,
//    one autocommitted statement (one flush) per batch.
//
// Every row carries the name prefix `--prefix`; all of them are deleted at
// the end. Prints one JSON object on stdout.
//
// Usage: semiasync_db_floor --prefix=dbfloor-<run> [--single=2000]
//          [--create-user=2000] [--batches=50] [--batch=100]
//          [--host=127.0.0.1 --port=3306 --user=root --password=root
//           --database=app]

#include "bench/histogram.hpp"
#include "config/settings.hpp"
#include "db/mysql_user_repository.hpp"
#include "domain/create_user.hpp"
#include "domain/uuid.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <mysql++/mysql++.h>
#include <string>
#include <utility>

namespace {

using namespace semiasync;
using clock_type = std::chrono::steady_clock;

struct options {
  /// The processes' own defaults (config/settings.hpp) until flags say
  /// otherwise.
  db::connection_settings db = config::settings{}.db_connection();
  std::string prefix;
  uint64_t single = 2000;
  uint64_t create_user = 2000;
  uint64_t batches = 50;
  uint64_t batch = 100;
};

/// Set once rows may exist: a failing run deletes what it wrote, too.
std::function<void()> cleanup_on_failure;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "semiasync_db_floor: %s\n", what.c_str());
  if (auto cleanup = std::exchange(cleanup_on_failure, nullptr)) cleanup();
  std::exit(1);
}

/// Deletes every row this run wrote; returns how many.
uint64_t delete_rows(mysqlpp::Connection& conn, const std::string& prefix) {
  auto query = conn.query("DELETE FROM users WHERE name LIKE %0q");
  query.parse();
  return query.execute(prefix + "-%").rows();
}

uint64_t micros(clock_type::duration d) {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// A connection configured as the repository configures its own.
std::unique_ptr<mysqlpp::Connection> connect(const db::connection_settings& s) {
  auto conn = std::make_unique<mysqlpp::Connection>(true);
  conn->set_option(new mysqlpp::ProtocolOption(MYSQL_PROTOCOL_TCP));
  conn->set_option(new mysqlpp::SetCharsetNameOption("utf8mb4"));
  conn->connect(s.database.c_str(), s.host.c_str(), s.user.c_str(),
                s.password.c_str(), s.port);
  return conn;
}

std::string phase_json(uint64_t n, double secs, const bench::histogram& h) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "{\"n\":%llu,\"seconds\":%.3f,\"per_s\":%.1f,",
                static_cast<unsigned long long>(n), secs,
                secs > 0 ? static_cast<double>(n) / secs : 0.0);
  return buf + std::string{"\"latency_ms\":"} + bench::to_json_ms(h) + "}";
}

std::string server_variables(mysqlpp::Connection& conn) {
  auto rows = conn
                .query("SELECT @@version, @@innodb_flush_log_at_trx_commit,"
                       " @@sync_binlog, @@log_bin, @@innodb_buffer_pool_size,"
                       " @@innodb_log_file_size, @@innodb_flush_method")
                .store();
  auto col = [&](size_t i) { return std::string{rows.at(0).at(i).c_str()}; };
  return "{\"version\":\"" + col(0) + "\",\"innodb_flush_log_at_trx_commit\":\""
         + col(1) + "\",\"sync_binlog\":\"" + col(2) + "\",\"log_bin\":\""
         + col(3) + "\",\"innodb_buffer_pool_size\":\"" + col(4)
         + "\",\"innodb_log_file_size\":\"" + col(5)
         + "\",\"innodb_flush_method\":\"" + col(6) + "\"}";
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = a.substr(a.find('=') + 1);
    auto is = [&](const char* flag) { return a.rfind(flag, 0) == 0; };
    if (is("--prefix=")) opt.prefix = val;
    else if (is("--single=")) opt.single = std::stoull(val);
    else if (is("--create-user=")) opt.create_user = std::stoull(val);
    else if (is("--batches=")) opt.batches = std::stoull(val);
    else if (is("--batch=")) opt.batch = std::stoull(val);
    else if (is("--host=")) opt.db.host = val;
    else if (is("--port=")) opt.db.port = static_cast<uint16_t>(std::stoi(val));
    else if (is("--user=")) opt.db.user = val;
    else if (is("--password=")) opt.db.password = val;
    else if (is("--database=")) opt.db.database = val;
    else fail("unknown argument " + a);
  }
  // The prefix is what the cleanup deletes by: no LIKE wildcards in it.
  if (opt.prefix.size() < 8
      || opt.prefix.find_first_of("%_\\'\"") != std::string::npos)
    fail("--prefix must be at least 8 characters without % _ \\ or quotes");

  db::mysql_user_repository repo{opt.db};
  if (auto err = repo.ping()) fail("cannot reach the database: " + to_string(err));
  std::unique_ptr<mysqlpp::Connection> conn;
  try {
    conn = connect(opt.db);
  } catch (const std::exception& ex) {
    fail(std::string{"mysql++ connect: "} + ex.what());
  }
  cleanup_on_failure = [&] {
    try {
      delete_rows(*connect(opt.db), opt.prefix);
    } catch (const std::exception&) {
      // Best effort: the rows carry the run's prefix for a manual DELETE.
    }
  };

  bench::histogram single;
  auto t0 = clock_type::now();
  for (uint64_t i = 0; i < opt.single; ++i) {
    auto s = clock_type::now();
    stored_user row{user_uuid{random_uuid()},
                    user_name{opt.prefix + "-s-" + std::to_string(i)},
                    request_id{random_uuid()}};
    auto r = repo.insert(row);
    if (!r || *r != insert_result::inserted) fail("single insert failed");
    single.record(micros(clock_type::now() - s));
  }
  auto single_secs = seconds(clock_type::now() - t0);

  bench::histogram decide;
  random_uuid_source ids;
  t0 = clock_type::now();
  for (uint64_t i = 0; i < opt.create_user; ++i) {
    auto s = clock_type::now();
    create_user_requested cmd{request_id{random_uuid()},
                              user_name{opt.prefix + "-c-" + std::to_string(i)}};
    auto r = create_user(repo, ids, cmd);
    if (!r || !std::holds_alternative<user_created>(*r))
      fail("create_user did not create");
    decide.record(micros(clock_type::now() - s));
  }
  auto decide_secs = seconds(clock_type::now() - t0);

  bench::histogram batched;
  std::string vars;
  uint64_t deleted = 0;
  t0 = clock_type::now();
  try {
    for (uint64_t b = 0; b < opt.batches; ++b) {
      auto s = clock_type::now();
      auto q = conn->query();
      q << "INSERT INTO users (uuid, name, request_uuid) VALUES ";
      for (uint64_t i = 0; i < opt.batch; ++i) {
        auto name = opt.prefix + "-b-" + std::to_string(b * opt.batch + i);
        q << (i == 0 ? "(" : ",(") << mysqlpp::quote << random_uuid() << ","
          << mysqlpp::quote << name << "," << mysqlpp::quote << random_uuid()
          << ")";
      }
      q.execute();
      batched.record(micros(clock_type::now() - s));
    }
  } catch (const std::exception& ex) {
    fail(std::string{"batched insert: "} + ex.what());
  }
  auto batched_secs = seconds(clock_type::now() - t0);
  try {
    vars = server_variables(*conn);
    deleted = delete_rows(*conn, opt.prefix);
    cleanup_on_failure = nullptr;
  } catch (const std::exception& ex) {
    fail(std::string{"cleanup: "} + ex.what());
  }

  auto rows = opt.batches * opt.batch;
  char buf[160];
  std::snprintf(buf, sizeof(buf),
                "{\"batch\":%llu,\"batches\":%llu,\"rows_per_s\":%.1f,"
                "\"seconds\":%.3f,",
                static_cast<unsigned long long>(opt.batch),
                static_cast<unsigned long long>(opt.batches),
                batched_secs > 0 ? static_cast<double>(rows) / batched_secs
                                 : 0.0,
                batched_secs);
  std::printf("{\"tool\":\"db_floor\",\"single\":%s,\"create_user\":%s,"
              "\"batched\":%s\"batch_latency_ms\":%s},\"server\":%s,"
              "\"deleted\":%llu}\n",
              phase_json(opt.single, single_secs, single).c_str(),
              phase_json(opt.create_user, decide_secs, decide).c_str(), buf,
              bench::to_json_ms(batched).c_str(), vars.c_str(),
              static_cast<unsigned long long>(deleted));
  std::fprintf(stderr,
               "db floor: single %.0f/s (p50 %.2f ms), create_user %.0f/s "
               "(p50 %.2f ms), batched %.0f rows/s; deleted %llu rows\n",
               opt.single / single_secs, single.percentile(50) / 1000.0,
               opt.create_user / decide_secs, decide.percentile(50) / 1000.0,
               rows / batched_secs, static_cast<unsigned long long>(deleted));
  return 0;
}
