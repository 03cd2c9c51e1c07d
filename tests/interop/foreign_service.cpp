#include "tests/interop/foreign_service.hpp"

#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/integration/stack.hpp"

namespace semiasync::testing {

namespace {

std::string log_path(const std::string& name) {
  return std::string{SEMIASYNC_IT_LOG_DIR} + "/" + name;
}

/// Whether `text` has `line` as one whole line.
bool has_line(const std::string& text, const std::string& line) {
  size_t at = 0;
  while ((at = text.find(line, at)) != std::string::npos) {
    bool starts = at == 0 || text[at - 1] == '\n';
    auto end = at + line.size();
    if (starts && (end == text.size() || text[end] == '\n')) return true;
    at = end;
  }
  return false;
}

} // namespace

foreign_service::foreign_service(std::vector<std::string> argv,
                                 const std::string& log_name,
                                 std::chrono::milliseconds timeout) {
  process_ = std::make_unique<child_process>(
    std::move(argv), environment_overrides{}, log_path(log_name));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!has_line(process_->log_text(), "ready")) {
    if (!process_->running())
      throw std::runtime_error("the service exited ("
                               + process_->describe_status() + "):\n"
                               + process_->log_tail());
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the service did not get ready:\n"
                               + process_->log_tail());
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

int foreign_service::times_handled(const std::string& request) const {
  auto text = process_->log_text();
  auto needle = "handled " + request + " ";
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    if (at == 0 || text[at - 1] == '\n') ++count;
  return count;
}

int foreign_service::times_handled_eventually(
  const std::string& request, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto count = times_handled(request);
  while (count == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
    count = times_handled(request);
  }
  return count;
}

std::string foreign_service::log_tail() const {
  return process_->log_tail();
}

std::unique_ptr<foreign_service> start_spring_orders(const std::string& topic,
                                                     int slow_ms) {
  return std::make_unique<foreign_service>(
    std::vector<std::string>{
      std::string{SEMIASYNC_ROOT} + "/scripts/interop/spring-orders", "run",
      "--bootstrap", stack().kafka, "--topic", topic, "--group",
      topic + "-group", "--slow-ms", std::to_string(slow_ms)},
    topic + ".spring.log", std::chrono::seconds{180});
}

std::unique_ptr<foreign_service>
start_python_replier(const std::string& requests, const std::string& outcomes) {
  return std::make_unique<foreign_service>(
    std::vector<std::string>{
      "/usr/bin/python3",
      std::string{SEMIASYNC_ROOT} + "/examples/python-replier/replier.py",
      stack().kafka, requests, outcomes, requests + "-group"},
    requests + ".python.log", std::chrono::seconds{60});
}

std::string write_config(const std::string& name, const std::string& yaml) {
  auto path = log_path(name);
  std::ofstream out{path, std::ios::trunc};
  out << yaml;
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

} // namespace semiasync::testing
