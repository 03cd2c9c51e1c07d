#pragma once

#include "domain/types.hpp"

#include <cstdio>

namespace semiasync::testing {

/// A canonical, predictable request ID: `n` in the last group.
inline request_id numbered_request_id(int n) {
  char text[37];
  snprintf(text, sizeof(text), "00000000-0000-4000-8000-%012d", n);
  return request_id{text};
}

} // namespace semiasync::testing
