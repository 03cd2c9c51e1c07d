#pragma once

#include <string>

namespace semiasync::db {

/// "<operation> failed (errno N: <meaning>)": short, in our own words, free
/// of SQL and user data (it travels into logs, /readyz and problem bodies),
/// and readable by a person who does not know MariaDB's error numbers. The
/// meaning is left out for numbers without one of ours.
std::string describe_failure(const char* operation, int errnum);

} // namespace semiasync::db
