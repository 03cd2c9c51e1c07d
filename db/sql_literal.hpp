#pragma once

#include <mysql++/mysql++.h>
#include <string>

namespace semiasync::db {

/// Appends `text` to `sql` as an SQL string literal, escaped for `query`'s
/// connection (length-aware: any byte, NUL included, reaches the server as
/// data). Internal to db/: its header pulls in mysql++.
void append_literal(const mysqlpp::Query& query, std::string& sql,
                    const std::string& text);

} // namespace semiasync::db
