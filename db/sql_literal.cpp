#include "db/sql_literal.hpp"

namespace semiasync::db {

void append_literal(const mysqlpp::Query& query, std::string& sql,
                    const std::string& text) {
  sql += '\'';
  if (!text.empty()) {
    std::string escaped;
    query.escape_string(&escaped, text.data(), text.size());
    sql += escaped;
  }
  sql += '\'';
}

} // namespace semiasync::db
