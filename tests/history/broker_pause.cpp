#include "tests/history/broker_pause.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <signal.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SEMIASYNC_HISTORY_KAFKA_PID_FILE
#  error                                                                       \
    "SEMIASYNC_HISTORY_KAFKA_PID_FILE must name scripts/stack's Kafka pid file"
#endif

namespace semiasync::testing::history {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

/// The helper's whole life, after fork: only async-signal-safe calls. A
/// 'd' on the channel means all is well; end of input without it means the
/// test process is gone, so the broker must run again.
[[noreturn]] void helper_main(int channel, pid_t broker) {
  ::setsid();
  // Copies of the test's sockets would keep its connections open after the
  // test closes them.
  for (int fd = 3; fd < 4096; ++fd)
    if (fd != channel) ::close(fd);
  char c = 0;
  for (;;) {
    auto n = ::read(channel, &c, 1);
    if (n == 1 && c == 'd') ::_exit(0);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  ::kill(broker, SIGCONT);
  ::_exit(0);
}

} // namespace

pid_t broker_pid() {
  auto text = read_file(SEMIASYNC_HISTORY_KAFKA_PID_FILE);
  pid_t pid = 0;
  try {
    pid = static_cast<pid_t>(std::stol(text));
  } catch (const std::exception&) {
    throw std::runtime_error(
      "no Kafka pid in " SEMIASYNC_HISTORY_KAFKA_PID_FILE);
  }
  // A stale pid file must not make us freeze some other process.
  auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  if (cmdline.find("kafka.Kafka") == std::string::npos)
    throw std::runtime_error("process " + std::to_string(pid)
                             + " is not the Kafka broker");
  return pid;
}

broker_pause::broker_pause() : broker_(broker_pid()) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::runtime_error(std::string{"broker_pause: socketpair: "}
                             + std::strerror(errno));
  helper_ = ::fork();
  if (helper_ < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error("broker_pause: fork failed");
  }
  if (helper_ == 0) {
    ::close(fds[1]);
    helper_main(fds[0], broker_);
  }
  ::close(fds[0]);
  channel_ = fds[1];
  if (::kill(broker_, SIGSTOP) != 0) {
    resume();
    throw std::runtime_error("cannot pause the broker (pid "
                             + std::to_string(broker_) + ")");
  }
}

broker_pause::~broker_pause() {
  resume();
}

void broker_pause::resume() noexcept {
  if (broker_ > 0) ::kill(broker_, SIGCONT);
  broker_ = -1;
  if (channel_ >= 0) {
    const char done = 'd';
    [[maybe_unused]] auto sent = ::send(channel_, &done, 1, MSG_NOSIGNAL);
    ::close(channel_);
    channel_ = -1;
  }
  if (helper_ > 0) {
    int status = 0;
    while (::waitpid(helper_, &status, 0) < 0 && errno == EINTR) {
      // interrupted: wait again
    }
    helper_ = -1;
  }
}

} // namespace semiasync::testing::history
