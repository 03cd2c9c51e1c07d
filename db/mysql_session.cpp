#include "db/mysql_session.hpp"

#include "db/failure_text.hpp"

#include <algorithm>
#include <chrono>

namespace semiasync::db {

namespace {

constexpr const char* read_committed_sql
  = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";

/// True when the server refused this record's data itself, so retrying it
/// can never succeed. Everything else (connections, locks, a missing table or
/// grant, a full disk) is a state of the deployment an operator fixes while
/// requests wait in Kafka: those are retried, never dead-lettered.
bool is_rejection_of_the_data(int errnum) {
  switch (errnum) {
    case 1048: // ER_BAD_NULL_ERROR.
    case 1264: // ER_WARN_DATA_OUT_OF_RANGE.
    case 1292: // ER_TRUNCATED_WRONG_VALUE.
    case 1366: // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: bytes not in utf8mb4.
    case 1406: // ER_DATA_TOO_LONG.
      return true;
    default: return false;
  }
}

} // namespace

mysql_session::mysql_session(connection_settings x) : settings(std::move(x)) {
  // nop
}

caf::error mysql_session::connect() {
  if (connection) return {};
  if (in_transaction)
    return make_error(error_code::database_unavailable,
                      "transaction lost with its connection");
  // 0 would mean "no timeout" to the C client.
  auto seconds = static_cast<unsigned>(
    std::max<std::chrono::seconds::rep>(settings.timeout.count(), 1));
  auto fresh = std::make_unique<mysqlpp::Connection>(true);
  try {
    // set_option takes ownership of each option object (mysql++'s API).
    // TCP even for "localhost", which would otherwise mean the socket.
    fresh->set_option(new mysqlpp::ProtocolOption(MYSQL_PROTOCOL_TCP));
    // Never rely on the server's or the client library's default charset.
    fresh->set_option(new mysqlpp::SetCharsetNameOption("utf8mb4"));
    fresh->set_option(new mysqlpp::ConnectTimeoutOption(seconds));
    fresh->set_option(new mysqlpp::ReadTimeoutOption(seconds));
    fresh->set_option(new mysqlpp::WriteTimeoutOption(seconds));
    fresh->connect(settings.database.c_str(), settings.host.c_str(),
                   settings.user.c_str(), settings.password.c_str(),
                   settings.port);
    // A batch's transaction must see rows other workers committed after
    // it started: the insert-race rule reads again after a taken key.
    fresh->query(read_committed_sql).execute();
  } catch (const mysqlpp::ConnectionFailed& e) {
    return make_error(error_code::database_unavailable,
                      describe_failure("connect", e.errnum()));
  } catch (const std::exception&) {
    return make_error(error_code::database_unavailable,
                      describe_failure("connect", fresh->errnum()));
  }
  connection = std::move(fresh);
  return {};
}

caf::error mysql_session::fail(const char* operation, int errnum) {
  connection.reset();
  auto code = is_rejection_of_the_data(errnum)
                ? error_code::database_rejected
                : error_code::database_unavailable;
  return make_error(code, describe_failure(operation, errnum));
}

caf::error mysql_session::execute(const char* operation, const char* sql) {
  auto result = run<bool>(operation, [sql](mysqlpp::Connection& conn) {
    conn.query(sql).execute();
    return true;
  });
  if (!result) return std::move(result.error());
  return {};
}

} // namespace semiasync::db
