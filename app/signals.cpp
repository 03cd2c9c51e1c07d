#include "app/signals.hpp"

#include <pthread.h>

namespace semiasync {

termination_signals::termination_signals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int termination_signals::wait() {
  int signal = 0;
  while (sigwait(&set_, &signal) != 0) {
    // Interrupted: wait again.
  }
  return signal;
}

} // namespace semiasync
