#pragma once

// Freezing the shared Kafka broker of scripts/stack (SIGSTOP to its JVM)
// for a few seconds, and making sure it runs again whatever happens to the
// test: a broker left stopped would hang every later test on the machine.

#include <string>
#include <sys/types.h>

namespace semiasync::testing::history {

/// The broker's process ID from scripts/stack's pid file, checked against
/// its command line; throws std::runtime_error when it does not run.
pid_t broker_pid();

/// One pause of the broker, as an RAII guard. A helper process in its own
/// session sends SIGCONT should this test process die before `resume` (a
/// ctest timeout skips every destructor and kills the process group).
class broker_pause {
public:
  /// Sends SIGSTOP to the broker; throws when it cannot.
  broker_pause();

  /// Resumes unless `resume` did.
  ~broker_pause();

  broker_pause(const broker_pause&) = delete;
  broker_pause& operator=(const broker_pause&) = delete;

  /// SIGCONT now, then tells the helper to exit; idempotent, never throws.
  void resume() noexcept;

private:
  pid_t broker_ = -1;
  pid_t helper_ = -1;
  int channel_ = -1;
};

} // namespace semiasync::testing::history
