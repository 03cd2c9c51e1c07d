#include "db/mysql_gateway_store.hpp"

#include "db/mysql_session.hpp"
#include "db/sql_literal.hpp"
#include "domain/error.hpp"
#include "domain/sha256.hpp"

#include <mysql++/mysql++.h>
#include <string>
#include <utility>
#include <variant>

namespace semiasync::db {

namespace {

/// How often a keyed claim goes round insert -> read -> replace before it
/// gives up (transiently). A round ends without an answer only when another
/// claim or a purge changed the row in between, or when InnoDB chose it as
/// a deadlock's victim (claims replacing one expired entry meet in the
/// unique key's locks); either way another claim progressed. Eight claims
/// racing for one expired key needed at most five rounds (250 races).
constexpr int claim_rounds = 16;

/// ER_LOCK_DEADLOCK: InnoDB rolled the statement back (in autocommit, all of
/// it), so it may simply run again.
constexpr int deadlock = 1213;

/// The columns `holder_of` reads, in this order.
constexpr const char* holder_columns
  = "SELECT request_uuid, idempotency_key, body_digest, reply_event_type, "
    "reply_value, expires_ms FROM gateway_requests WHERE ";

/// The SQL for a time in stored milliseconds.
std::string millis(std::chrono::system_clock::time_point t) {
  return std::to_string(stored_millis(t));
}

/// The reply in columns `event` and `value` of `row`, if they hold one.
std::optional<stored_reply> reply_of(const mysqlpp::Row& row, size_t event,
                                     size_t value) {
  if (row.at(event).is_null()) return std::nullopt;
  return stored_reply{text_of(row.at(event)), text_of(row.at(value))};
}

/// What holds a (route, key): a row of `holder_columns`.
struct holder {
  request_id request;
  std::string key;
  std::string body_digest;
  std::optional<stored_reply> reply;
  int64_t expires_ms = 0;
};

/// One round of a keyed claim: its result, or "go round again".
using round_result = std::variant<claim_result, std::monostate>;

} // namespace

struct mysql_gateway_store::impl : mysql_session {
  // -- member functions -------------------------------------------------------

  using mysql_session::mysql_session;

  /// `INSERT` of a fresh entry; false when a unique key is taken.
  bool insert(mysqlpp::Connection& conn, const gateway_claim& x,
              const std::string& key_hash) {
    auto query = conn.query();
    std::string sql = "INSERT INTO gateway_requests (request_uuid, route, "
                      "key_hash, idempotency_key, body_digest, created_ms, "
                      "expires_ms) VALUES (";
    append_literal(query, sql, x.request.value);
    sql += ", ";
    append_literal(query, sql, x.route);
    if (x.idempotency_key) {
      sql += ", ";
      append_literal(query, sql, key_hash);
      sql += ", ";
      append_literal(query, sql, *x.idempotency_key);
    } else {
      sql += ", NULL, NULL";
    }
    sql += ", ";
    append_literal(query, sql, x.body_digest);
    sql += ", " + millis(x.now) + ", " + millis(x.now + x.retention) + ')';
    try {
      query.execute(sql.data(), sql.size());
    } catch (const mysqlpp::BadQuery& e) {
      if (e.errnum() != duplicate_entry) throw;
      return false;
    }
    return true;
  }

  /// The entry holding (route, key), live or expired.
  std::optional<holder> holder_of(mysqlpp::Connection& conn,
                                  const gateway_claim& x,
                                  const std::string& key_hash) {
    auto query = conn.query();
    std::string sql = holder_columns;
    sql += "route = ";
    append_literal(query, sql, x.route);
    sql += " AND key_hash = ";
    append_literal(query, sql, key_hash);
    auto rows = query.store(sql.data(), sql.size());
    if (rows.num_rows() == 0) return std::nullopt;
    const auto& row = rows.at(0);
    return holder{request_id{text_of(row.at(0))}, text_of(row.at(1)),
                  text_of(row.at(2)), reply_of(row, 3, 4),
                  row.at(5).conv(int64_t{0})};
  }

  /// Takes the place of an expired holder of (route, key), unless another
  /// claim did first. A request ID that names another entry is a conflict.
  caf::expected<bool> replace_expired(mysqlpp::Connection& conn,
                                      const gateway_claim& x,
                                      const std::string& key_hash) {
    auto query = conn.query();
    std::string sql = "UPDATE gateway_requests SET request_uuid = ";
    append_literal(query, sql, x.request.value);
    sql += ", idempotency_key = ";
    append_literal(query, sql, *x.idempotency_key);
    sql += ", body_digest = ";
    append_literal(query, sql, x.body_digest);
    sql += ", reply_event_type = NULL, reply_value = NULL, created_ms = "
           + millis(x.now) + ", expires_ms = " + millis(x.now + x.retention)
           + " WHERE route = ";
    append_literal(query, sql, x.route);
    sql += " AND key_hash = ";
    append_literal(query, sql, key_hash);
    // Checked again under the row's lock: of two replacing claims, the
    // second finds the first's live entry and changes nothing.
    sql += " AND expires_ms <= " + millis(x.now);
    try {
      return query.execute(sql.data(), sql.size()).rows() == 1;
    } catch (const mysqlpp::BadQuery& e) {
      if (e.errnum() != duplicate_entry) throw;
      return conflict();
    }
  }

  /// Whether an entry under `request` exists, live or expired.
  bool exists(mysqlpp::Connection& conn, const request_id& request) {
    auto query = conn.query();
    std::string sql = "SELECT 1 FROM gateway_requests WHERE request_uuid = ";
    append_literal(query, sql, request.value);
    return query.store(sql.data(), sql.size()).num_rows() > 0;
  }

  /// One round of a keyed claim (see the header).
  caf::expected<round_result> keyed_round(mysqlpp::Connection& conn,
                                          const gateway_claim& x,
                                          const std::string& key_hash) {
    try {
      return keyed_steps(conn, x, key_hash);
    } catch (const mysqlpp::BadQuery& e) {
      if (e.errnum() != deadlock) throw;
      return round_result{std::monostate{}};
    }
  }

  /// The statements of one round: insert; else read the holder and decide
  /// or replace it.
  caf::expected<round_result> keyed_steps(mysqlpp::Connection& conn,
                                          const gateway_claim& x,
                                          const std::string& key_hash) {
    if (insert(conn, x, key_hash)) return round_result{claimed(x)};
    auto found = holder_of(conn, x, key_hash);
    if (!found) {
      // The taken key was our request ID, or the holder was purged since.
      if (exists(conn, x.request)) return conflict();
      return round_result{std::monostate{}};
    }
    if (found->expires_ms > stored_millis(x.now)) {
      if (found->key != *x.idempotency_key)
        return make_error(error_code::database_rejected,
                          "claim: two idempotency keys share a SHA-256");
      return round_result{decide(*found, x.body_digest)};
    }
    auto replaced = replace_expired(conn, x, key_hash);
    if (!replaced) return std::move(replaced.error());
    if (*replaced) return round_result{claimed(x)};
    return round_result{std::monostate{}};
  }

  static claim_result claimed(const gateway_claim& x) {
    return {claim_state::claimed, x.request, std::nullopt,
            from_stored_millis(stored_millis(x.now + x.retention))};
  }

  static claim_result decide(const holder& found,
                             const std::string& body_digest) {
    auto expires = from_stored_millis(found.expires_ms);
    if (found.body_digest != body_digest)
      return {claim_state::body_mismatch, found.request, std::nullopt, expires};
    if (found.reply)
      return {claim_state::answered, found.request, found.reply, expires};
    return {claim_state::in_flight, found.request, std::nullopt, expires};
  }

  static caf::error conflict() {
    return make_error(error_code::request_id_conflict,
                      "claim: request ID already names an entry");
  }
};

mysql_gateway_store::mysql_gateway_store(connection_settings settings)
  : impl_(std::make_unique<impl>(std::move(settings))) {
  // nop
}

mysql_gateway_store::~mysql_gateway_store() = default;

caf::expected<claim_result> mysql_gateway_store::claim(const gateway_claim& x) {
  if (auto err = check_claim(x)) return err;
  return impl_->run<claim_result>(
    "claim", [&](mysqlpp::Connection& conn) -> caf::expected<claim_result> {
      if (!x.idempotency_key) {
        if (impl_->insert(conn, x, {})) return impl::claimed(x);
        return impl::conflict();
      }
      auto key_hash = sha256(*x.idempotency_key);
      for (int round = 0; round < claim_rounds; ++round) {
        auto result = impl_->keyed_round(conn, x, key_hash);
        if (!result) return std::move(result.error());
        if (auto done = std::get_if<claim_result>(&*result))
          return std::move(*done);
      }
      return make_error(error_code::database_unavailable,
                        "claim: the key's entry kept changing; retry");
    });
}

caf::expected<bool>
mysql_gateway_store::record_reply(const request_id& request,
                                  const stored_reply& reply,
                                  std::chrono::system_clock::time_point now) {
  if (auto err = check_reply(reply)) return err;
  return impl_->run<bool>("record_reply", [&](mysqlpp::Connection& conn) {
    auto query = conn.query();
    std::string sql = "UPDATE gateway_requests SET reply_event_type = ";
    append_literal(query, sql, reply.event_type);
    sql += ", reply_value = ";
    append_literal(query, sql, reply.value);
    sql += " WHERE request_uuid = ";
    append_literal(query, sql, request.value);
    // The first reply wins: only an entry still in flight takes one.
    sql += " AND reply_event_type IS NULL AND expires_ms > " + millis(now);
    return query.execute(sql.data(), sql.size()).rows() == 1;
  });
}

caf::expected<bool> mysql_gateway_store::release(const request_id& request) {
  return impl_->run<bool>("release", [&](mysqlpp::Connection& conn) {
    auto query = conn.query();
    std::string sql = "DELETE FROM gateway_requests WHERE request_uuid = ";
    append_literal(query, sql, request.value);
    // An answered entry keeps its promise to the key's retries.
    sql += " AND reply_event_type IS NULL";
    return query.execute(sql.data(), sql.size()).rows() == 1;
  });
}

caf::expected<std::optional<gateway_entry>>
mysql_gateway_store::find(const request_id& request,
                          std::chrono::system_clock::time_point now) {
  using result_type = std::optional<gateway_entry>;
  return impl_->run<result_type>("find", [&](mysqlpp::Connection& conn) {
    auto query = conn.query();
    std::string sql = "SELECT route, reply_event_type, reply_value, "
                      "expires_ms FROM gateway_requests WHERE request_uuid = ";
    append_literal(query, sql, request.value);
    sql += " AND expires_ms > " + millis(now);
    auto rows = query.store(sql.data(), sql.size());
    if (rows.num_rows() == 0) return result_type{};
    const auto& row = rows.at(0);
    return result_type{
      gateway_entry{request, text_of(row.at(0)), reply_of(row, 1, 2),
                    from_stored_millis(row.at(3).conv(int64_t{0}))}};
  });
}

caf::expected<uint64_t>
mysql_gateway_store::purge_expired(std::chrono::system_clock::time_point now,
                                   uint64_t at_most) {
  if (at_most == 0) return uint64_t{0};
  return impl_->run<uint64_t>("purge_expired", [&](mysqlpp::Connection& conn) {
    auto sql = "DELETE FROM gateway_requests WHERE expires_ms <= " + millis(now)
               + " ORDER BY expires_ms LIMIT " + std::to_string(at_most);
    return static_cast<uint64_t>(
      conn.query().execute(sql.data(), sql.size()).rows());
  });
}

caf::error mysql_gateway_store::ping() {
  return impl_->execute("ping", "DO 1");
}

} // namespace semiasync::db
