#include "db/sql_literal.hpp"

namespace semiasync::db {

std::string text_of(const mysqlpp::String& column) {
  return std::string(column.data(), column.length());
}

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
