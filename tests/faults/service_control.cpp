#include "tests/faults/service_control.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <signal.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "tests/faults/summary.hpp"
#include "tests/integration/child_process.hpp"

#ifndef SEMIASYNC_FAULT_STACK_SCRIPT
#  error "SEMIASYNC_FAULT_STACK_SCRIPT must name scripts/stack"
#endif
#ifndef SEMIASYNC_FAULT_LOG_DIR
#  error "SEMIASYNC_FAULT_LOG_DIR must name a directory for logs"
#endif

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;

/// A fresh log file path for `label`.
std::string log_path_for(const std::string& label) {
  static std::atomic<int> counter{0};
  std::filesystem::create_directories(SEMIASYNC_FAULT_LOG_DIR);
  return std::string{SEMIASYNC_FAULT_LOG_DIR} + "/" + label + "-"
         + std::to_string(::getpid()) + "-" + std::to_string(++counter)
         + ".log";
}

/// The helper's script: a line "disarm" means all is well; end of input
/// without it means the test process is gone, so the service comes back.
/// $0 is scripts/stack, $1 the service.
constexpr const char* sentinel_script
  = "if read -r word && [ \"$word\" = disarm ]; then exit 0; fi\n"
    "echo \"fault sentinel: the test left $1 down, starting it\"\n"
    "exec \"$0\" start \"$1\"\n";

} // namespace

std::string run_stack_script(const std::vector<std::string>& args,
                             std::chrono::seconds timeout) {
  std::string what = "scripts/stack";
  std::string label = "stack";
  for (auto& arg : args) {
    what += " " + arg;
    label += "-" + arg;
  }
  note(what);
  std::vector<std::string> argv{SEMIASYNC_FAULT_STACK_SCRIPT};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process proc{argv, {}, log_path_for(label)};
  auto deadline = load_clock::now() + timeout;
  while (proc.running() && load_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  if (proc.running()) {
    proc.terminate();
    throw std::runtime_error(what + " took longer than "
                             + std::to_string(timeout.count()) + " s\n"
                             + proc.log_tail());
  }
  auto status = proc.status();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(what + " failed (" + proc.describe_status() + ")\n"
                             + proc.log_tail());
  return proc.log_text();
}

void run_stack_command(const std::string& command, const service& which,
                       std::chrono::seconds timeout) {
  run_stack_script({command, which.name()}, timeout);
}

// -- restart_sentinel ---------------------------------------------------------

restart_sentinel::restart_sentinel(const service& which) {
  // A socket rather than a pipe: writing to it can be told not to raise
  // SIGPIPE (MSG_NOSIGNAL) should the helper be gone already.
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::runtime_error(std::string{"restart_sentinel: socketpair: "}
                             + std::strerror(errno));
  auto log = log_path_for(std::string{"sentinel-"} + which.name());
  int log_fd
    = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  // Prepared before fork: only async-signal-safe calls in the child.
  std::vector<std::string> argv{"/bin/bash", "-c", sentinel_script,
                                SEMIASYNC_FAULT_STACK_SCRIPT, which.name()};
  std::vector<char*> args;
  for (auto& arg : argv)
    args.push_back(arg.data());
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) {
    auto err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    if (log_fd >= 0) ::close(log_fd);
    throw std::runtime_error(std::string{"restart_sentinel: fork: "}
                             + std::strerror(err));
  }
  if (pid_ == 0) {
    // Its own session: ctest's timeout kills the test's process group, and
    // the helper must survive exactly that.
    ::setsid();
    ::dup2(fds[0], STDIN_FILENO);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  // The helper's end stays only in the helper: our copy would hide the end
  // of input it waits for.
  ::close(fds[0]);
  if (log_fd >= 0) ::close(log_fd);
  pipe_ = fds[1];
}

restart_sentinel::~restart_sentinel() {
  if (pipe_ < 0) return;
  // Armed: closing our end is the helper's cue to start the service; wait
  // for it, so the service runs again before the next test begins.
  ::close(pipe_);
  pipe_ = -1;
  note("waiting for the sentinel to restart the service");
  reap();
}

void restart_sentinel::disarm() noexcept {
  if (pipe_ < 0) return;
  const char line[] = "disarm\n";
  [[maybe_unused]] auto sent
    = ::send(pipe_, line, sizeof(line) - 1, MSG_NOSIGNAL);
  ::close(pipe_);
  pipe_ = -1;
  reap();
}

void restart_sentinel::reap() noexcept {
  if (pid_ <= 0) return;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    // interrupted: wait again
  }
  pid_ = -1;
}

// -- service_outage -----------------------------------------------------------

service_outage::service_outage(const service& which, outage_kind kind)
  : which_(which), sentinel_(which) {
  run_stack_command(kind == outage_kind::kill ? "kill" : "stop", which_, 120s);
  down_since_ = load_clock::now();
}

service_outage::~service_outage() {
  if (ended_) return;
  try {
    end();
  } catch (const std::exception& err) {
    // The sentinel (still armed) tries once more as it is destroyed.
    note(std::string{"restarting after the outage failed: "} + err.what());
  }
}

void service_outage::end() {
  restart_began_ = load_clock::now();
  run_stack_command("start", which_, 240s);
  up_again_ = load_clock::now();
  ended_ = true;
  sentinel_.disarm();
}

} // namespace semiasync::testing
