#pragma once

#include "http/answer.hpp"

namespace semiasync::http {

/// A 405 (`fresh_problem`) naming the `allowed` methods, in its detail and
/// its `Allow` field.
answer method_not_allowed(const char* allowed);

} // namespace semiasync::http
