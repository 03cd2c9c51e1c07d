#include "examples/deposits/mysql_deposit_repository.hpp"

#include "db/mysql_session.hpp"
#include "domain/error.hpp"

#include <utility>

namespace semiasync::deposits {

namespace {

// Template queries: mysql++ quotes and escapes each %Nq argument.
// ON DUPLICATE KEY UPDATE, not INSERT IGNORE: IGNORE would also turn the
// server's refusal of bad data into a warning and store it mangled.
constexpr const char* create_account_sql
  = "INSERT INTO deposit_accounts (account_id, balance) VALUES (%0q, 0) "
    "ON DUPLICATE KEY UPDATE account_id = account_id";
constexpr const char* lock_account_sql
  = "SELECT balance FROM deposit_accounts WHERE account_id = %0q FOR UPDATE";
constexpr const char* find_outcome_sql
  = "SELECT account_id, deposit_id, amount, event_type, value "
    "FROM deposit_outcomes WHERE request_uuid = %0q";
constexpr const char* has_deposit_sql
  = "SELECT 1 FROM deposits WHERE account_id = %0q AND deposit_id = %1q";
constexpr const char* insert_deposit_sql
  = "INSERT INTO deposits (account_id, deposit_id, request_uuid, amount) "
    "VALUES (%0q, %1q, %2q, %3)";
constexpr const char* set_balance_sql
  = "UPDATE deposit_accounts SET balance = %1 WHERE account_id = %0q";
constexpr const char* store_outcome_sql
  = "INSERT INTO deposit_outcomes (request_uuid, account_id, deposit_id, "
    "amount, event_type, value) VALUES (%0q, %1q, %2q, %3, %4q, %5q)";

/// A parsed template query of `conn`.
mysqlpp::Query prepared(mysqlpp::Connection& conn, const char* sql) {
  auto query = conn.query(sql);
  query.parse();
  return query;
}

} // namespace

struct mysql_deposit_repository::impl {
  /// The connection and its transaction state.
  db::mysql_session session;
};

mysql_deposit_repository::mysql_deposit_repository(
  db::connection_settings settings)
  : impl_(
    std::make_unique<impl>(impl{db::mysql_session{std::move(settings)}})) {
  // nop
}

mysql_deposit_repository::~mysql_deposit_repository() = default;

caf::error mysql_deposit_repository::begin() {
  return impl_->session.begin();
}

caf::error mysql_deposit_repository::commit() {
  return impl_->session.commit();
}

void mysql_deposit_repository::rollback() {
  impl_->session.rollback();
}

caf::expected<int64_t>
mysql_deposit_repository::lock_account(const std::string& account) {
  return impl_->session.run<int64_t>(
    "lock_account", [&](mysqlpp::Connection& conn) {
      prepared(conn, create_account_sql).execute(account);
      auto rows = prepared(conn, lock_account_sql).store(account);
      return rows.at(0).at(0).conv(int64_t{0});
    });
}

caf::expected<std::optional<stored_outcome>>
mysql_deposit_repository::find_outcome(const request_id& request) {
  return impl_->session.run<std::optional<stored_outcome>>(
    "find_outcome", [&](mysqlpp::Connection& conn) {
      auto rows = prepared(conn, find_outcome_sql).store(request.value);
      if (rows.num_rows() == 0) return std::optional<stored_outcome>{};
      const auto& row = rows.at(0);
      return std::optional<stored_outcome>{
        stored_outcome{{request, db::text_of(row.at(0)), db::text_of(row.at(1)),
                        row.at(2).conv(int64_t{0})},
                       db::text_of(row.at(3)),
                       db::text_of(row.at(4))}};
    });
}

caf::expected<bool>
mysql_deposit_repository::has_deposit(const std::string& account,
                                      const std::string& deposit) {
  return impl_->session.run<bool>(
    "has_deposit", [&](mysqlpp::Connection& conn) {
      return prepared(conn, has_deposit_sql).store(account, deposit).num_rows()
             > 0;
    });
}

caf::error mysql_deposit_repository::apply(const deposit_request& deposit,
                                           int64_t balance) {
  auto result
    = impl_->session.run<bool>("apply", [&](mysqlpp::Connection& conn) {
        prepared(conn, insert_deposit_sql)
          .execute(deposit.account_id, deposit.deposit_id,
                   deposit.request.value, std::to_string(deposit.amount));
        prepared(conn, set_balance_sql)
          .execute(deposit.account_id, std::to_string(balance));
        return true;
      });
  if (!result) return std::move(result.error());
  return {};
}

caf::error mysql_deposit_repository::store_outcome(const stored_outcome& out) {
  auto result
    = impl_->session.run<bool>("store_outcome", [&](mysqlpp::Connection& conn) {
        try {
          prepared(conn, store_outcome_sql)
            .execute(out.request.request.value, out.request.account_id,
                     out.request.deposit_id, std::to_string(out.request.amount),
                     out.event_type, out.value);
        } catch (const mysqlpp::BadQuery& e) {
          // The request ID is the key: another delivery stored first.
          if (e.errnum() != db::duplicate_entry) throw;
          return false;
        }
        return true;
      });
  if (!result) return std::move(result.error());
  if (!*result)
    return make_error(error_code::request_id_conflict,
                      "request ID already has an outcome");
  return {};
}

} // namespace semiasync::deposits
