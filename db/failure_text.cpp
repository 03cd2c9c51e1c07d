#include "db/failure_text.hpp"

namespace semiasync::db {

namespace {

/// What a person can act on, for the errors an operator meets.
const char* meaning_of(int errnum) {
  switch (errnum) {
    case 1044: return "access denied to the database";
    case 1045: return "access denied: wrong user or password";
    case 1049: return "unknown database (run the migrations)";
    case 1146: return "table missing (run the migrations)";
    case 1205: return "lock wait timeout";
    case 1213: return "deadlock, retried";
    case 2002:
      return "cannot reach the database server: refused or unreachable";
    case 2003: return "cannot connect to the database server";
    case 2005: return "unknown database host";
    case 2006: return "the database server went away";
    case 2013: return "lost the connection to the database server";
    default: return nullptr;
  }
}

} // namespace

std::string describe_failure(const char* operation, int errnum) {
  std::string result = operation;
  result += " failed";
  if (errnum != 0) {
    result += " (errno ";
    result += std::to_string(errnum);
    if (auto meaning = meaning_of(errnum)) {
      result += ": ";
      result += meaning;
    }
    result += ')';
  }
  return result;
}

} // namespace semiasync::db
