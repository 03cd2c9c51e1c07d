#pragma once

// How big the fault scenarios run. The default fits the whole suite in a
// few minutes on a 2-core machine; SEMIASYNC_FAULT_LONG=1 asks for longer
// loads and more faults, for a soak before a release.

#include <cstdlib>
#include <cstring>

namespace semiasync::testing {

/// True when the environment sets SEMIASYNC_FAULT_LONG=1.
inline bool long_run() {
  const char* value = std::getenv("SEMIASYNC_FAULT_LONG");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

/// `normal` in the default run, `long_value` in the long one.
template <class T>
T scaled(T normal, T long_value) {
  return long_run() ? long_value : normal;
}

} // namespace semiasync::testing
