#include "tests/integration/child_process.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace semiasync::testing {

namespace {

/// The test's environment with `overrides` applied, as `NAME=value` strings.
std::vector<std::string> merged_environment(const environment_overrides& env) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text{*entry};
    auto name = text.substr(0, text.find('='));
    bool replaced = false;
    for (auto& [key, value] : env)
      replaced = replaced || name == key;
    if (!replaced) result.emplace_back(text);
  }
  for (auto& [key, value] : env)
    result.push_back(key + "=" + value);
  return result;
}

std::vector<char*> pointers(std::vector<std::string>& texts) {
  std::vector<char*> result;
  for (auto& text : texts)
    result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

} // namespace

child_process::child_process(std::vector<std::string> argv,
                             const environment_overrides& env,
                             std::string log_path,
                             std::optional<uint64_t> descriptor_limit)
  : log_path_(std::move(log_path)) {
  if (argv.empty()) throw std::runtime_error("child_process: no program");
  // Everything the child needs is prepared before fork: between fork and
  // exec only async-signal-safe calls are allowed.
  auto env_texts = merged_environment(env);
  auto envp = pointers(env_texts);
  auto args = pointers(argv);
  int fd
    = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("child_process: cannot open " + log_path_ + ": "
                             + std::strerror(errno));
  auto parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    auto err = errno;
    ::close(fd);
    throw std::runtime_error(std::string{"child_process: fork: "}
                             + std::strerror(err));
  }
  if (pid_ == 0) {
    // A test killed by ctest's timeout takes its children along.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    // Start as a shell would start it: nothing blocked, SIGPIPE default.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (descriptor_limit) {
      rlimit limit{*descriptor_limit, *descriptor_limit};
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        const char msg[] = "child_process: setrlimit failed\n";
        [[maybe_unused]] auto ignored
          = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
        ::_exit(127);
      }
    }
    ::execve(args[0], args.data(), envp.data());
    const char msg[] = "child_process: execve failed\n";
    [[maybe_unused]] auto ignored
      = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    ::_exit(127);
  }
  ::close(fd);
}

child_process::~child_process() {
  terminate();
}

bool child_process::running() {
  if (status_ != -1) return false;
  int status = 0;
  auto rc = ::waitpid(pid_, &status, WNOHANG);
  if (rc == pid_ || (rc < 0 && errno == ECHILD)) {
    status_ = rc == pid_ ? status : 0;
    return false;
  }
  return true;
}

int child_process::wait_blocking() {
  if (status_ != -1) return status_;
  int status = 0;
  pid_t rc;
  do {
    rc = ::waitpid(pid_, &status, 0);
  } while (rc < 0 && errno == EINTR);
  status_ = rc == pid_ ? status : 0;
  return status_;
}

int child_process::terminate(std::chrono::milliseconds grace) {
  if (!running()) return status_;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  ::kill(pid_, SIGKILL);
  return wait_blocking();
}

int child_process::kill9() {
  if (!running()) return status_;
  ::kill(pid_, SIGKILL);
  return wait_blocking();
}

std::string child_process::log_text() const {
  std::ifstream in{log_path_, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string child_process::log_tail(size_t lines) const {
  auto text = log_text();
  // Start right after the `lines`-th line break from the end, not counting
  // a final one.
  auto start = text.size();
  size_t seen = 0;
  while (start > 0) {
    --start;
    if (text[start] == '\n' && start + 1 != text.size() && ++seen == lines) {
      ++start;
      break;
    }
  }
  return "--- last lines of " + log_path_ + " ---\n" + text.substr(start);
}

std::string child_process::describe_status() const {
  if (status_ == -1) return "running";
  if (WIFEXITED(status_))
    return "exit code " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_))
    return "signal " + std::to_string(WTERMSIG(status_));
  return "status " + std::to_string(status_);
}

} // namespace semiasync::testing
