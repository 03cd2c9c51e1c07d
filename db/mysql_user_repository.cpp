#include "db/mysql_user_repository.hpp"

#include "db/mysql_session.hpp"
#include "db/sql_literal.hpp"
#include "domain/error.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace semiasync::db {

namespace {

// Template queries: mysql++ quotes and escapes each %Nq argument, so names
// reach the server as data, whatever quotes or backslashes they contain.
constexpr const char* find_by_name_sql
  = "SELECT uuid, name, request_uuid FROM users WHERE name = %0q LIMIT 1";
constexpr const char* find_by_request_sql
  = "SELECT uuid, name, request_uuid FROM users WHERE request_uuid = %0q "
    "LIMIT 1";
constexpr const char* find_by_uuid_sql
  = "SELECT uuid, name, request_uuid FROM users WHERE uuid = %0q LIMIT 1";
// A plain INSERT whose duplicate-key error means "already recorded", not
// INSERT IGNORE: IGNORE also downgrades strict mode's data errors to
// warnings, so a name too long or not utf8mb4 would be stored truncated or
// mangled instead of being rejected.
constexpr const char* remember_duplicate_sql
  = "INSERT INTO request_outcomes (request_uuid, event_type, name) "
    "VALUES (%0q, 'UserDuplicated', %1q)";
constexpr const char* find_duplicate_sql
  = "SELECT name FROM request_outcomes WHERE request_uuid = %0q "
    "AND event_type = 'UserDuplicated' LIMIT 1";

/// The first row of `rows` as a user, if any. Columns by position: the
/// queries above name them in this order. (`row[0]` would be ambiguous in
/// mysql++: 0 also converts to its `const char*` field-name overload.)
std::optional<stored_user> first_user(const mysqlpp::StoreQueryResult& rows) {
  if (rows.num_rows() == 0) return std::nullopt;
  const auto& row = rows.at(0);
  return stored_user{user_uuid{text_of(row.at(0))},
                     user_name{text_of(row.at(1))},
                     request_id{text_of(row.at(2))}};
}

/// A canonical request ID from the database: lowercase, as ours are (the
/// column compares case-insensitively, so stored case must not matter).
std::string folded_uuid(const mysqlpp::String& column) {
  auto text = text_of(column);
  for (auto& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

/// The statement behind `look_up`: one row per hit, tagged with what it
/// answers (0 by name, 1 by request, 2 duplicate) and, for names, the index
/// of the request that asked. Names are point lookups, each compared as the
/// column's collation says, so every hit maps back to exactly the requests
/// whose names it matches; request IDs are canonical, so IN suffices.
std::string look_up_sql(const mysqlpp::Query& query,
                        const std::vector<create_user_requested>& batch) {
  std::string sql;
  sql.reserve(batch.size() * 160);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i > 0) sql += " UNION ALL ";
    sql += "SELECT 0, ";
    sql += std::to_string(i);
    sql += ", uuid, name, request_uuid FROM users WHERE name = ";
    append_literal(query, sql, batch[i].name.value);
  }
  std::string ids;
  for (auto& request : batch) {
    if (!ids.empty()) ids += ", ";
    append_literal(query, ids, request.request.value);
  }
  sql += " UNION ALL SELECT 1, 0, uuid, name, request_uuid FROM users "
         "WHERE request_uuid IN (";
  sql += ids;
  sql += ") UNION ALL SELECT 2, 0, '', name, request_uuid FROM "
         "request_outcomes WHERE event_type = 'UserDuplicated' AND "
         "request_uuid IN (";
  sql += ids;
  sql += ')';
  return sql;
}

/// Spreads the rows of `look_up_sql` over the requests they answer.
batch_lookup spread(const mysqlpp::StoreQueryResult& rows,
                    const std::vector<create_user_requested>& batch) {
  batch_lookup result;
  result.by_name.resize(batch.size());
  result.by_request.resize(batch.size());
  result.duplicate.resize(batch.size());
  for (size_t r = 0; r < rows.num_rows(); ++r) {
    const auto& row = rows.at(r);
    auto kind = row.at(0).conv(0);
    stored_user user{user_uuid{text_of(row.at(2))},
                     user_name{text_of(row.at(3))},
                     request_id{text_of(row.at(4))}};
    if (kind == 0) {
      result.by_name.at(row.at(1).conv(size_t{0})) = std::move(user);
      continue;
    }
    // A request ID may come twice in a batch (a client's retry).
    auto id = folded_uuid(row.at(4));
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].request.value != id) continue;
      if (kind == 1)
        result.by_request[i] = user;
      else
        result.duplicate[i] = user.name;
    }
  }
  return result;
}

} // namespace

struct mysql_user_repository::impl {
  // -- member variables -------------------------------------------------------

  /// The connection and its transaction state.
  mysql_session session;

  // -- member functions -------------------------------------------------------

  explicit impl(connection_settings x) : session(std::move(x)) {
    // nop
  }

  /// One INSERT of every row of `rows` (not empty); a taken key anywhere is
  /// `duplicate`, an answer rather than a failure: the statement is undone
  /// and the connection stays good.
  caf::expected<insert_result>
  insert_rows(const char* operation, const std::vector<stored_user>& rows) {
    return session.run<insert_result>(operation, [&](
                                                   mysqlpp::Connection& conn) {
      auto query = conn.query();
      std::string sql = "INSERT INTO users (uuid, name, request_uuid) VALUES ";
      sql.reserve(rows.size() * 120);
      for (size_t i = 0; i < rows.size(); ++i) {
        sql += i == 0 ? "(" : ", (";
        append_literal(query, sql, rows[i].user.value);
        sql += ", ";
        append_literal(query, sql, rows[i].name.value);
        sql += ", ";
        append_literal(query, sql, rows[i].request.value);
        sql += ')';
      }
      try {
        query.execute(sql.data(), sql.size());
      } catch (const mysqlpp::BadQuery& e) {
        if (e.errnum() != duplicate_entry) throw;
        return insert_result::duplicate;
      }
      return insert_result::inserted;
    });
  }

  /// Runs one of the SELECTs above with `key` as its only argument.
  caf::expected<std::optional<stored_user>>
  find_one(const char* operation, const char* sql, const std::string& key) {
    return session.run<std::optional<stored_user>>(
      operation, [&](mysqlpp::Connection& conn) {
        auto query = conn.query(sql);
        query.parse();
        return first_user(query.store(key));
      });
  }
};

mysql_user_repository::mysql_user_repository(connection_settings settings)
  : impl_(std::make_unique<impl>(std::move(settings))) {
  // nop
}

mysql_user_repository::~mysql_user_repository() = default;

caf::error mysql_user_repository::begin() {
  return impl_->session.begin();
}

caf::error mysql_user_repository::commit() {
  // A failure leaves it unknown whether the commit took effect; the caller
  // redoes the batch, which the create-user rule answers the same either way.
  return impl_->session.commit();
}

void mysql_user_repository::rollback() {
  impl_->session.rollback();
}

caf::expected<batch_lookup> mysql_user_repository::look_up(
  const std::vector<create_user_requested>& batch) {
  if (batch.empty()) return batch_lookup{};
  return impl_->session.run<batch_lookup>(
    "look_up", [&](mysqlpp::Connection& conn) {
      auto query = conn.query();
      auto sql = look_up_sql(query, batch);
      return spread(query.store(sql.data(), sql.size()), batch);
    });
}

caf::expected<std::optional<stored_user>>
mysql_user_repository::find_by_name(const user_name& name) {
  return impl_->find_one("find_by_name", find_by_name_sql, name.value);
}

caf::expected<std::optional<stored_user>>
mysql_user_repository::find_by_request(const request_id& request) {
  return impl_->find_one("find_by_request", find_by_request_sql, request.value);
}

caf::expected<std::optional<stored_user>>
mysql_user_repository::find_by_uuid(const user_uuid& user) {
  return impl_->find_one("find_by_uuid", find_by_uuid_sql, user.value);
}

caf::expected<insert_result>
mysql_user_repository::insert(const stored_user& row) {
  return impl_->insert_rows("insert", {row});
}

caf::expected<insert_result>
mysql_user_repository::insert_all(const std::vector<stored_user>& rows) {
  if (rows.empty()) return insert_result::inserted;
  return impl_->insert_rows("insert_all", rows);
}

caf::error mysql_user_repository::remember_duplicate(const request_id& request,
                                                     const user_name& name) {
  auto result = impl_->session.run<bool>(
    "remember_duplicate", [&](mysqlpp::Connection& conn) {
      auto query = conn.query(remember_duplicate_sql);
      query.parse();
      try {
        query.execute(request.value, name.value);
      } catch (const mysqlpp::BadQuery& e) {
        // The request ID is the only key: it is recorded already, and the
        // first record is the answer to keep. The connection stays good.
        if (e.errnum() != duplicate_entry) throw;
        // Its name decides, byte for byte: the same bytes are this
        // request again; another spelling is a concurrent attempt under
        // the same ID that ended first (READ COMMITTED sees its row).
        auto recorded = conn.query(find_duplicate_sql);
        recorded.parse();
        auto rows = recorded.store(request.value);
        return rows.num_rows() == 0 || text_of(rows.at(0).at(0)) == name.value;
      }
      return true;
    });
  if (!result) return std::move(result.error());
  if (!*result)
    return make_error(error_code::request_id_conflict,
                      "request ID already ended as a duplicate of another "
                      "name");
  return {};
}

caf::expected<std::optional<user_name>>
mysql_user_repository::find_duplicate(const request_id& request) {
  return impl_->session.run<std::optional<user_name>>(
    "find_duplicate", [&](mysqlpp::Connection& conn) {
      auto query = conn.query(find_duplicate_sql);
      query.parse();
      auto rows = query.store(request.value);
      if (rows.num_rows() == 0) return std::optional<user_name>{};
      return std::optional<user_name>{user_name{text_of(rows.at(0).at(0))}};
    });
}

caf::error mysql_user_repository::ping() {
  // A statement, not mysql_ping: it proves the session and the database.
  return impl_->session.execute("ping", "DO 1");
}

} // namespace semiasync::db
