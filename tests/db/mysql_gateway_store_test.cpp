// Integration test of db::mysql_gateway_store against the real MariaDB that
// scripts/stack starts (table `gateway_requests` from db/migrations/0003):
// the shared behaviour cases, then what only a real database shows
// (concurrent claims from several connections, the stored layout, failures).
// Settings: tests/support/test_db.hpp. Every test names its routes with a
// fresh UUID suffix and deletes its rows afterwards, so runs never collide.

#include "db/failure_text.hpp"
#include "db/mysql_gateway_store.hpp"

#include <atomic>
#include <map>
#include <mysql++/mysql++.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "tests/domain/gateway_store_cases.hpp"
#include "tests/support/admin_db.hpp"
#include "tests/support/test_db.hpp"

using namespace semiasync;
using namespace semiasync::testing::gateway_cases;
using db::mysql_gateway_store;

namespace {

/// A direct connection for what the store does not offer: forging and
/// inspecting rows, and deleting this test's.
class admin_connection {
public:
  admin_connection() {
    testing::connect_admin(conn_, testing::test_db_settings());
  }

  /// Runs `sql` (built with `quote`), returning the rows.
  mysqlpp::StoreQueryResult store(const std::string& sql) {
    return conn_.query().store(sql.data(), sql.size());
  }

  /// Runs `sql` (built with `quote`).
  void execute(const std::string& sql) {
    conn_.query().execute(sql.data(), sql.size());
  }

  /// `text` as an SQL literal, any bytes.
  std::string quote(const std::string& text) {
    std::string escaped;
    conn_.query().escape_string(&escaped, text.data(), text.size());
    return "'" + escaped + "'";
  }

private:
  mysqlpp::Connection conn_{true};
};

/// Stores on the real database, routes named with this test's suffix.
struct mysql_env : testing::gateway_store_env {
  mysql_env() : suffix(random_uuid()) {
    // nop
  }

  ~mysql_env() override {
    try {
      admin_connection admin;
      admin.execute("DELETE FROM gateway_requests WHERE route LIKE "
                    + admin.quote("%-" + suffix));
    } catch (const std::exception& e) {
      WARN("cleanup failed: " << e.what());
    }
  }

  std::unique_ptr<gateway_store> make_store() override {
    return std::make_unique<mysql_gateway_store>(testing::test_db_settings());
  }

  std::string route(const std::string& base) override {
    return base + "-" + suffix;
  }

  std::string suffix;
};

/// A loopback port that nothing listens on (bound, then released).
uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// Runs `claims[i]` on thread `i % threads`, every thread with a store of
/// its own, all released at once; returns the results by index.
std::vector<claim_result>
claim_concurrently(const std::vector<gateway_claim>& claims, size_t threads) {
  std::vector<caf::expected<claim_result>> results(
    claims.size(), caf::expected<claim_result>{claim_result{}});
  std::atomic<size_t> ready{0};
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      mysql_gateway_store store{testing::test_db_settings()};
      store.ping(); // Connect before the start, so claims really overlap.
      ++ready;
      while (ready.load() < threads)
        std::this_thread::yield();
      for (size_t i = t; i < claims.size(); i += threads)
        results[i] = store.claim(claims[i]);
    });
  for (auto& worker : workers)
    worker.join();
  std::vector<claim_result> answers;
  for (auto& result : results)
    answers.push_back(ok(std::move(result)));
  return answers;
}

} // namespace

SEMIASYNC_GATEWAY_STORE_CASES(mysql_env)

TEST_CASE_METHOD(
  mysql_env,
  "gateway store: of concurrent claims of one key on several instances, "
  "exactly one wins",
  "[gateway_store]") {
  constexpr size_t threads = 8;
  constexpr size_t keys = 25;
  auto route = this->route("race");
  auto check_one_winner = [&](const std::vector<gateway_claim>& claims,
                              const std::vector<claim_result>& results) {
    for (size_t k = 0; k < keys; ++k) {
      std::vector<size_t> winners;
      for (size_t i = k * threads; i < (k + 1) * threads; ++i)
        if (results[i].state == claim_state::claimed) winners.push_back(i);
      REQUIRE(winners.size() == 1);
      auto& winner = claims[winners[0]];
      CHECK(results[winners[0]].request == winner.request);
      for (size_t i = k * threads; i < (k + 1) * threads; ++i) {
        if (i == winners[0]) continue;
        CHECK(results[i].request == winner.request);
        CHECK(results[i].state
              == (claims[i].body_digest == winner.body_digest
                    ? claim_state::in_flight
                    : claim_state::body_mismatch));
      }
    }
  };
  SECTION("a new key") {
    // Per key, one claim on each thread; half the bodies differ.
    std::vector<gateway_claim> claims;
    for (size_t k = 0; k < keys; ++k)
      for (size_t t = 0; t < threads; ++t)
        claims.push_back(claim_of(route, "key-" + std::to_string(k),
                                  "body-" + std::to_string(t % 2), t0));
    // Thread t takes claims t, t + threads, ...: one per key.
    check_one_winner(claims, claim_concurrently(claims, threads));
  }
  SECTION("an expired key") {
    auto store = make_store();
    for (size_t k = 0; k < keys; ++k)
      REQUIRE(ok(store->claim(claim_of(route, "key-" + std::to_string(k), "old",
                                       t0, seconds{1})))
                .state
              == claim_state::claimed);
    std::vector<gateway_claim> claims;
    for (size_t k = 0; k < keys; ++k)
      for (size_t t = 0; t < threads; ++t)
        claims.push_back(claim_of(route, "key-" + std::to_string(k),
                                  "body-" + std::to_string(t % 2),
                                  t0 + seconds{5}));
    check_one_winner(claims, claim_concurrently(claims, threads));
  }
}

TEST_CASE_METHOD(
  mysql_env,
  "gateway store: the table holds a SHA-256 of the key beside the key, and "
  "the reply's bytes",
  "[gateway_store]") {
  auto store = make_store();
  std::string key{"k\0'\xff", 4};
  auto x = claim_of(route("layout"), key, "body", t0, seconds{60});
  REQUIRE(ok(store->claim(x)).state == claim_state::claimed);
  REQUIRE(ok(store->record_reply(x.request, {"Done", {"v\0v", 3}}, t0)));
  admin_connection admin;
  auto rows = admin.store(
    "SELECT key_hash, idempotency_key, body_digest, reply_event_type, "
    "reply_value, created_ms, expires_ms FROM gateway_requests "
    "WHERE request_uuid = "
    + admin.quote(x.request.value));
  REQUIRE(rows.num_rows() == 1);
  auto column = [&](size_t i) {
    const auto& value = rows.at(0).at(i);
    return std::string(value.data(), value.length());
  };
  CHECK(column(0) == sha256(key));
  CHECK(column(1) == key);
  CHECK(column(2) == x.body_digest);
  CHECK(column(3) == "Done");
  CHECK(column(4) == std::string{"v\0v", 3});
  CHECK(column(5) == std::to_string(stored_millis(t0)));
  CHECK(column(6) == std::to_string(stored_millis(t0 + seconds{60})));
}

TEST_CASE_METHOD(
  mysql_env,
  "gateway store: two keys sharing a SHA-256 are refused, never answered "
  "for each other",
  "[gateway_store]") {
  // A collision cannot be found, so it is forged: the entry of key "b"
  // stored under the hash of key "a".
  auto route = this->route("collision");
  admin_connection admin;
  admin.execute("INSERT INTO gateway_requests (request_uuid, route, key_hash, "
                "idempotency_key, body_digest, reply_event_type, reply_value, "
                "created_ms, expires_ms) VALUES ("
                + admin.quote(random_uuid()) + ", " + admin.quote(route) + ", "
                + admin.quote(sha256("a")) + ", 'b', "
                + admin.quote(digest("body")) + ", 'Done', 'secret', "
                + std::to_string(stored_millis(t0)) + ", "
                + std::to_string(stored_millis(t0 + seconds{60})) + ")");
  auto store = make_store();
  auto result = store->claim(claim_of(route, "a", "body", t0));
  REQUIRE_FALSE(result);
  CHECK(code_of(result.error()) == error_code::database_rejected);
  CHECK_FALSE(is_transient(code_of(result.error())));
}

TEST_CASE(
  "gateway store: an unreachable database is a transient failure of every call",
  "[gateway_store]") {
  auto settings = testing::test_db_settings();
  settings.host = "127.0.0.1";
  settings.port = closed_port();
  mysql_gateway_store store{settings};
  auto claimed = store.claim(claim_of("route", "key", "body", t0));
  REQUIRE_FALSE(claimed);
  CHECK(code_of(claimed.error()) == error_code::database_unavailable);
  CHECK(is_transient(code_of(claimed.error())));
  auto id = request_id{random_uuid()};
  CHECK(code_of_failure(store.record_reply(id, {"Done", "{}"}, t0))
        == error_code::database_unavailable);
  CHECK(code_of_failure(store.find(id, t0))
        == error_code::database_unavailable);
  CHECK(code_of_failure(store.purge_expired(t0, 10))
        == error_code::database_unavailable);
}

TEST_CASE(
  "gateway store: a missing table is retried (database_unavailable) and heals",
  "[gateway_store]") {
  // The `mysql` system database has no `gateway_requests`: 0003 not applied.
  auto settings = testing::test_db_settings();
  settings.database = "mysql";
  mysql_gateway_store store{settings};
  auto claimed = store.claim(claim_of("route", "key", "body", t0));
  REQUIRE_FALSE(claimed);
  CHECK(code_of(claimed.error()) == error_code::database_unavailable);
  CHECK(detail_of(claimed.error()) == db::describe_failure("claim", 1146));
  auto found = store.find(request_id{random_uuid()}, t0);
  REQUIRE_FALSE(found);
  CHECK(detail_of(found.error()) == db::describe_failure("find", 1146));
  // The next call reconnects and works.
  CHECK_FALSE(store.ping());
}
