#include "app/wait_for_stop.hpp"

#include "domain/error.hpp"

#include <caf/actor_cast.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include <algorithm>
#include <pthread.h>
#include <thread>

namespace semiasync {

namespace {

/// An exit reason for the stop's log line: ours by code name and detail,
/// CAF's as CAF prints them; on one line, whatever the detail holds.
std::string text_of(const caf::error& reason) {
  auto code = code_of(reason);
  auto text = code == error_code::none ? to_string(reason) : to_string(code);
  auto detail = detail_of(reason);
  if (code != error_code::none && !detail.empty()) text += ": " + detail;
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

} // namespace

stop_cause wait_for_stop(caf::actor_system& sys, termination_signals& signals,
                         const std::vector<caf::actor_addr>& watched) {
  caf::scoped_actor self{sys};
  for (auto& who : watched)
    self->monitor(caf::actor_cast<caf::actor>(who));
  // sigwait blocks, so it gets a thread of its own that reports back.
  caf::actor me = self;
  std::thread waiter{[&signals, me] {
    caf::anon_send(me, signals.wait());
  }};
  stop_cause cause;
  self->receive(
    [&](int signal) {
      cause.signal = signal;
    },
    [&](const caf::down_msg& msg) {
      cause.failure = "a long-lived actor stopped: " + text_of(msg.reason);
      // Wake the waiter: the signal is blocked in every thread, so it stays
      // pending for this thread's sigwait.
      pthread_kill(waiter.native_handle(), SIGTERM);
    });
  waiter.join();
  return cause;
}

std::string describe(const stop_cause& cause) {
  if (!cause.failure.empty()) return cause.failure;
  return cause.signal == SIGINT ? "SIGINT" : "SIGTERM";
}

} // namespace semiasync
