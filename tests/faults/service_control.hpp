#pragma once

// Breaking the shared Kafka and MariaDB of scripts/stack on purpose, and
// making sure they run again afterwards whatever happens to the test: the
// next suite (and the developer) expects the stack up.

#include <chrono>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "tests/faults/load.hpp"

namespace semiasync::testing {

/// A service of scripts/stack, by the name the script gives it.
class service {
public:
  /// The Kafka broker on 127.0.0.1:9093 (on the three-node cluster: every
  /// node at once).
  static service kafka() {
    return service{"kafka"};
  }

  /// MariaDB on 127.0.0.1:3306.
  static service db() {
    return service{"db"};
  }

  /// Node `node` (1 to 3) of the three-node cluster: `kafka-<node>`.
  static service kafka_node(int node) {
    return service{"kafka-" + std::to_string(node)};
  }

  /// The script's name for it: "kafka", "db", "kafka-2".
  const std::string& name() const noexcept {
    return name_;
  }

private:
  explicit service(std::string name) : name_(std::move(name)) {}

  std::string name_;
};

/// How an outage begins.
enum class outage_kind {
  /// SIGKILL (`scripts/stack kill`): a crash, nothing flushed or closed.
  kill,
  /// A clean shutdown (`scripts/stack stop`).
  stop,
};

/// Runs `scripts/stack <args...>` and waits for it; returns what it printed
/// (stdout and stderr). Throws std::runtime_error with that output when it
/// fails or takes longer than `timeout`.
std::string run_stack_script(const std::vector<std::string>& args,
                             std::chrono::seconds timeout);

/// Runs `scripts/stack <command> <which>` and waits for it; throws
/// std::runtime_error with the script's output when it fails or takes
/// longer than `timeout`.
void run_stack_command(const std::string& command, const service& which,
                       std::chrono::seconds timeout);

/// A helper process that runs `scripts/stack start <service>` as soon as
/// this test process dies or drops it, unless disarmed first. It lives in
/// its own session, so it outlives a test killed by ctest's timeout (which
/// skips every destructor) and still brings the service back.
class restart_sentinel {
public:
  /// Starts the helper; it waits on a pipe only this process writes to.
  explicit restart_sentinel(const service& which);

  /// Unless disarmed: lets the helper restart the service and waits for it.
  ~restart_sentinel();

  restart_sentinel(const restart_sentinel&) = delete;
  restart_sentinel& operator=(const restart_sentinel&) = delete;

  /// Tells the helper to exit without doing anything; idempotent.
  void disarm() noexcept;

private:
  void reap() noexcept;

  pid_t pid_ = -1;
  int pipe_ = -1;
};

/// One outage of a service, as an RAII guard: the constructor breaks the
/// service, `end` starts it again (waiting until it answers), and the
/// destructor starts it if `end` did not run or failed, so the stack is up
/// again when a failing test unwinds.
class service_outage {
public:
  /// Kills or stops `which`; returns once it is down.
  service_outage(const service& which, outage_kind kind);

  /// Starts the service again unless `end` succeeded; never throws.
  ~service_outage();

  service_outage(const service_outage&) = delete;
  service_outage& operator=(const service_outage&) = delete;

  /// Starts the service again and waits until it answers; throws when it
  /// does not come back.
  void end();

  /// When the service was down (the kill or stop command returned).
  load_clock::time_point down_since() const noexcept {
    return down_since_;
  }

  /// When `end` began starting it.
  load_clock::time_point restart_began() const noexcept {
    return restart_began_;
  }

  /// When the service answered again (`end` returned).
  load_clock::time_point up_again() const noexcept {
    return up_again_;
  }

private:
  service which_;
  restart_sentinel sentinel_;
  bool ended_ = false;
  load_clock::time_point down_since_;
  load_clock::time_point restart_began_;
  load_clock::time_point up_again_;
};

} // namespace semiasync::testing
